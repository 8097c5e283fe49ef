/*
 * POSIX platform for the kiosk simulator: what the ESP-IDF port (esp_idf_port.c) does with
 * esp_http_client, esp_timer and NVS, done here with sockets, clock_gettime and a file.
 */
#define _POSIX_C_SOURCE 200809L

#include "platform_posix.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

bool posix_platform_set_url(posix_platform_t *pf, const char *url) {
  const char *p = url;
  size_t n;
  if (strncmp(p, "http://", 7) != 0) {
    return false;
  }
  p += 7;
  n = strcspn(p, ":/");
  if (n == 0 || n >= sizeof pf->host) {
    return false;
  }
  memcpy(pf->host, p, n);
  pf->host[n] = '\0';
  p += n;
  strcpy(pf->port, "80");
  if (*p == ':') {
    n = strcspn(++p, "/");
    if (n == 0 || n >= sizeof pf->port) {
      return false;
    }
    memcpy(pf->port, p, n);
    pf->port[n] = '\0';
    p += n;
  }
  snprintf(pf->path, sizeof pf->path, "%s/v1/device", strcmp(p, "/") == 0 ? "" : p);
  return true;
}

uint64_t posix_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int connect_to(const posix_platform_t *pf) {
  struct addrinfo hints;
  struct addrinfo *res;
  struct addrinfo *ai;
  struct timeval timeout = {5, 0};
  int fd = -1;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(pf->host, pf->port, &hints, &res) != 0) {
    return -1;
  }
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      break;
    }
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

static bool send_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len > 0) {
    ssize_t n = send(fd, p, len, 0);
    if (n <= 0) {
      return false;
    }
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/*
 * POSTs the frame as HTTP/1.0 (no chunked answers, the server closes the connection) and
 * returns the HTTP status (0: network error) and the body in resp.
 */
static int posix_send(void *user, const uint8_t *frame, size_t len, uint8_t *resp, size_t resp_cap,
                      size_t *resp_len) {
  posix_platform_t *pf = user;
  static char response[8192];
  char head[512];
  size_t got = 0;
  ssize_t n;
  int status = 0;
  char *body;
  char *retry;
  int fd = connect_to(pf);
  pf->retry_after_s = 0;
  if (fd < 0) {
    return 0;
  }
  snprintf(head, sizeof head,
           "POST %s HTTP/1.0\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/cbor\r\nContent-Length: %lu\r\nConnection: close\r\n\r\n",
           pf->path, pf->host, pf->port, pf->key, (unsigned long)len);
  if (!send_all(fd, head, strlen(head)) || !send_all(fd, frame, len)) {
    close(fd);
    return 0;
  }
  pf->frames_sent++;
  while (got < sizeof response - 1 && (n = recv(fd, response + got, sizeof response - 1 - got, 0)) > 0) {
    got += (size_t)n;
  }
  close(fd);
  response[got] = '\0';
  body = strstr(response, "\r\n\r\n");
  if (body == NULL || sscanf(response, "HTTP/1.%*d %d", &status) != 1) {
    return 0; /* the connection closed before a whole answer: a network error */
  }
  *body = '\0'; /* ends the headers, so the search below stays in them */
  body += 4;
  for (retry = response; (retry = strchr(retry, '\n')) != NULL;) {
    retry++;
    if (strncasecmp(retry, "retry-after:", 12) == 0) {
      pf->retry_after_s = (unsigned)strtoul(retry + 12, NULL, 10);
    }
  }
  *resp_len = got - (size_t)(body - response);
  if (*resp_len > resp_cap) {
    *resp_len = resp_cap;
  }
  memcpy(resp, body, *resp_len);
  return status;
}

static uint64_t posix_uptime(void *user) {
  posix_platform_t *pf = user;
  return pf->simulated ? pf->sim_uptime_ms : posix_monotonic_ms() - pf->start_ms;
}

static rastro_time_source_t posix_unix(void *user, uint64_t *out) {
  posix_platform_t *pf = user;
  struct timespec ts;
  if (!pf->has_clock) {
    return RASTRO_TIME_NONE;
  }
  clock_gettime(CLOCK_REALTIME, &ts);
  *out = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  return RASTRO_TIME_SNTP;
}

/* NVS stand-in: "boot seq_reserved" in a text file. */
static bool posix_load(void *user, rastro_persist_t *state) {
  posix_platform_t *pf = user;
  unsigned long boot;
  unsigned long seq;
  FILE *file = fopen(pf->state_path, "r");
  bool ok = file != NULL && fscanf(file, "%lu %lu", &boot, &seq) == 2;
  if (file != NULL) {
    fclose(file);
  }
  if (ok) {
    state->boot_id = (uint32_t)boot;
    state->seq_reserved = (uint32_t)seq;
  }
  return ok;
}

static bool posix_save(void *user, const rastro_persist_t *state) {
  posix_platform_t *pf = user;
  FILE *file = fopen(pf->state_path, "w");
  bool ok;
  if (file == NULL) {
    return false;
  }
  ok = fprintf(file, "%lu %lu\n", (unsigned long)state->boot_id, (unsigned long)state->seq_reserved) > 0;
  return fclose(file) == 0 && ok;
}

rastro_platform_t posix_platform_hooks(posix_platform_t *pf) {
  rastro_platform_t platform;
  platform.send = posix_send;
  platform.uptime_ms = posix_uptime;
  platform.unix_ms = posix_unix;
  platform.load = posix_load;
  platform.save = posix_save;
  platform.user = pf;
  return platform;
}

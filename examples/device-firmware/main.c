/*
 * kiosk: a host-built stand-in for an ESP32 kiosk running the Rastro device SDK. A temperature
 * sensor, a door sensor, an RFID reader at the bar and a till produce records; the SDK keeps
 * them in its ring buffer (in RTC memory on the real device) while the network is down and
 * sends them as CBOR frames to the collector's POST /v1/device.
 *
 *   kiosk --url http://127.0.0.1:8080 --key <device key> [--id a4cf12345678] [--state kiosk.state]
 *         [--seconds N]   run in real time for N seconds (0: until killed), flushing every 5 s
 *         [--script]      read commands from stdin, one result line each (for tests):
 *                           tick N   simulate N seconds (1000 ms of uptime each)
 *                           flush    send until the ring is empty or a send fails
 *                           reboot   reset: keep the ring (RTC memory), next boot id
 *                           quit
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform_posix.h"
#include "rastro_device.h"

static posix_platform_t pf;
static rastro_platform_t platform;
static rastro_ring_t ring;            /* RTC_NOINIT_ATTR on the ESP32 */
static uint8_t ring_mem[8192];        /* RTC_NOINIT_ATTR on the ESP32 */
static uint8_t frame_buf[RASTRO_FRAME_DEFAULT_BYTES];
static rastro_device_t dev;
static uint8_t device_id[RASTRO_DEVICE_ID_MAX_BYTES];
static uint8_t device_id_len;
static unsigned long seconds_run; /* simulated seconds since the first boot */
static unsigned long events;
static unsigned long readings;

static const char *flush_names[] = {"done", "retry", "auth", "bad_ack"};

static bool parse_id(const char *hex) {
  size_t n = strlen(hex);
  size_t i;
  unsigned byte;
  if (n % 2 != 0 || n / 2 < RASTRO_DEVICE_ID_MIN_BYTES || n / 2 > RASTRO_DEVICE_ID_MAX_BYTES) {
    return false;
  }
  for (i = 0; i < n / 2; i++) {
    if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
      return false;
    }
    device_id[i] = (uint8_t)byte;
  }
  device_id_len = (uint8_t)(n / 2);
  return true;
}

static bool boot_device(bool keep_ring) {
  rastro_device_config_t config;
  rastro_ring_init(&ring, ring_mem, sizeof ring_mem, keep_ring);
  memset(&config, 0, sizeof config);
  config.platform = &platform;
  config.ring = &ring;
  config.frame_buf = frame_buf;
  config.frame_cap = sizeof frame_buf;
  config.id = device_id;
  config.id_len = device_id_len;
  config.fw_version = "kiosk-sim-1.0";
  return rastro_device_init(&dev, &config);
}

static void record(bool ok, unsigned long *counter) {
  if (ok) {
    (*counter)++;
  } else {
    fprintf(stderr, "kiosk: record refused\n");
  }
}

/* One second of kiosk life; the schedule repeats every minute, so tests can count. */
static void simulate_second(void) {
  unsigned long t = seconds_run++;
  char customer[16];
  char uid[16];
  snprintf(customer, sizeof customer, "cust-%04lu", (t / 60) % 5 + 1);
  snprintf(uid, sizeof uid, "04a2b3c4%06lx", (t / 60) % 5 + 1);
  if (t % 10 == 0) {
    record(rastro_device_reading(&dev, "temp", 21.0 + (double)((t / 10) % 8) * 0.25, "C"), &readings);
  }
  if (t % 45 == 0) {
    record(rastro_device_event(&dev, "door_open", NULL, 0, NULL), &events);
    record(rastro_device_reading(&dev, "door", 1, NULL), &readings);
  }
  if (t % 45 == 5) {
    record(rastro_device_reading(&dev, "door", 0, NULL), &readings);
  }
  if (t % 60 == 20) {
    const rastro_prop_t tap[] = {RASTRO_PROP_S("uid", uid), RASTRO_PROP_S("reader", "bar-1")};
    record(rastro_device_event(&dev, "rfid_tap", tap, 2, customer), &events);
  }
  if (t % 60 == 25) {
    const rastro_prop_t purchase[] = {RASTRO_PROP_S("sku", t % 120 == 25 ? "latte-m" : "espresso"),
                                      RASTRO_PROP_I("cents", t % 120 == 25 ? 350 : 220),
                                      RASTRO_PROP_I("qty", 1), RASTRO_PROP_B("paid", true)};
    record(rastro_device_event(&dev, "purchase", purchase, 4, customer), &events);
  }
}

static void tick(unsigned long seconds) {
  while (seconds-- > 0) {
    if (pf.simulated) {
      pf.sim_uptime_ms += 1000;
    }
    simulate_second();
  }
}

static int run_script(void) {
  char line[128];
  unsigned long n;
  while (fgets(line, sizeof line, stdin) != NULL) {
    if (sscanf(line, "tick %lu", &n) == 1) {
      tick(n);
      printf("ok events %lu readings %lu ring %lu dropped %lu\n", events, readings, (unsigned long)ring.count,
             (unsigned long)dev.dropped);
    } else if (strncmp(line, "flush", 5) == 0) {
      rastro_flush_result_t result = rastro_device_flush(&dev);
      printf("flush %s ring %lu sent %u\n", flush_names[result], (unsigned long)ring.count, pf.frames_sent);
    } else if (strncmp(line, "reboot", 6) == 0) {
      pf.sim_uptime_ms = 0;
      if (!boot_device(true)) {
        printf("error boot\n");
        return 1;
      }
      printf("boot %lu ring %lu\n", (unsigned long)dev.boot_id, (unsigned long)ring.count);
    } else if (strncmp(line, "quit", 4) == 0) {
      return 0;
    } else {
      printf("error unknown command\n");
    }
    fflush(stdout);
  }
  return 0;
}

static void sleep_ms(unsigned ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

/* Real time: a second of kiosk life per second, a flush every 5 s, backing off on failures. */
static int run_demo(unsigned long seconds) {
  unsigned long elapsed;
  unsigned backoff_s = 0;
  unsigned long next_flush = 5;
  unsigned failures = 0;
  srand((unsigned)time(NULL));
  for (elapsed = 1; seconds == 0 || elapsed <= seconds; elapsed++) {
    sleep_ms(1000);
    tick(1);
    if (elapsed >= next_flush || elapsed == seconds) {
      rastro_flush_result_t result = rastro_device_flush(&dev);
      if (result == RASTRO_FLUSH_DONE) {
        failures = 0;
        backoff_s = 5;
      } else {
        /* Exponential backoff with jitter, at least Retry-After, at most a minute. */
        failures++;
        backoff_s = failures < 6 ? 1u << failures : 60u;
        backoff_s = backoff_s / 2 + (unsigned)rand() % (backoff_s / 2 + 1);
        if (pf.retry_after_s > backoff_s) {
          backoff_s = pf.retry_after_s;
        }
      }
      printf("t=%lus flush %s: %lu events, %lu readings recorded, %lu waiting, next try in %us\n", elapsed,
             flush_names[result], events, readings, (unsigned long)ring.count, backoff_s);
      fflush(stdout);
      next_flush = elapsed + backoff_s;
    }
  }
  return ring.count == 0 ? 0 : 2;
}

int main(int argc, char **argv) {
  const char *url = "http://127.0.0.1:8080";
  const char *id = "a4cf12345678";
  bool script = false;
  unsigned long seconds = 60;
  int i;
  pf.state_path = "kiosk.state";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--script") == 0) {
      script = true;
    } else if (i + 1 < argc && strcmp(argv[i], "--url") == 0) {
      url = argv[++i];
    } else if (i + 1 < argc && strcmp(argv[i], "--key") == 0) {
      pf.key = argv[++i];
    } else if (i + 1 < argc && strcmp(argv[i], "--id") == 0) {
      id = argv[++i];
    } else if (i + 1 < argc && strcmp(argv[i], "--state") == 0) {
      pf.state_path = argv[++i];
    } else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
      seconds = strtoul(argv[++i], NULL, 10);
    } else {
      fprintf(stderr, "kiosk: unknown argument %s (see the comment at the top of main.c)\n", argv[i]);
      return 64;
    }
  }
  if (pf.key == NULL || !posix_platform_set_url(&pf, url) || !parse_id(id)) {
    fprintf(stderr, "kiosk: need --key, an http:// --url and a hex --id of 6-16 bytes\n");
    return 64;
  }
  pf.simulated = script;
  pf.has_clock = !script;
  pf.start_ms = posix_monotonic_ms();
  platform = posix_platform_hooks(&pf);
  if (!boot_device(false)) {
    fprintf(stderr, "kiosk: device init failed\n");
    return 1;
  }
  if (script) {
    printf("boot %lu ring 0\n", (unsigned long)dev.boot_id);
    fflush(stdout);
    return run_script();
  }
  printf("kiosk %s, boot %lu, sending to %s\n", id, (unsigned long)dev.boot_id, url);
  return run_demo(seconds);
}

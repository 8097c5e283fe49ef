/*
 * esp_idf_port.c: the same platform hooks as platform_posix.c, on ESP-IDF (v5.x): the frame
 * goes out with esp_http_client, the uptime comes from esp_timer, the clock from SNTP, the
 * boot id and reserved seqs live in NVS, and the ring sits in RTC memory so records survive a
 * reset (not a power cut). Not built on the host: add it to an IDF component with
 * rastro_device.c and define RASTRO_CRC32_ROM there so the SDK uses the ROM's CRC-32:
 *
 *   idf_component_register(SRCS "esp_idf_port.c" "rastro_device.c" INCLUDE_DIRS "."
 *                          REQUIRES esp_http_client nvs_flash esp_timer esp_rom)
 *   target_compile_definitions(${COMPONENT_LIB} PRIVATE RASTRO_CRC32_ROM)
 *
 * Call rastro_port_start() after Wi-Fi is up and NVS is initialised (nvs_flash_init), then
 * record with rastro_device_event/reading and call rastro_port_flush() from a task every few
 * seconds; it backs off by itself. For TLS, use an https:// URL and set crt_bundle_attach.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "esp_attr.h"
#include "esp_http_client.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_random.h"
#include "esp_sntp.h"
#include "esp_timer.h"
#include "nvs.h"
#include "rastro_device.h"

#define RASTRO_URL CONFIG_RASTRO_URL               /* e.g. "https://collector.example/v1/device" */
#define RASTRO_DEVICE_KEY CONFIG_RASTRO_DEVICE_KEY /* ingest-only key from the collector's config */

static const char *TAG = "rastro";

/* Survive a software reset, a watchdog, a brown-out (not a power cut); rastro_ring_init checks them. */
RTC_NOINIT_ATTR static rastro_ring_t s_ring;
RTC_NOINIT_ATTR static uint8_t s_ring_mem[3072];

static uint8_t s_frame[RASTRO_FRAME_DEFAULT_BYTES];
static rastro_device_t s_dev;
static rastro_platform_t s_platform;
static esp_http_client_handle_t s_http;
static volatile bool s_time_synced;
static int64_t s_next_try_us;
static unsigned s_failures;
static int s_retry_after_s;

static esp_err_t on_http_event(esp_http_client_event_t *event) {
  if (event->event_id == HTTP_EVENT_ON_HEADER && strcasecmp(event->header_key, "Retry-After") == 0) {
    s_retry_after_s = atoi(event->header_value);
  }
  return ESP_OK;
}

/* POST the frame and read the ack; the connection is kept open between frames. */
static int port_send(void *user, const uint8_t *frame, size_t len, uint8_t *resp, size_t resp_cap,
                     size_t *resp_len) {
  int read;
  (void)user;
  s_retry_after_s = 0;
  if (esp_http_client_open(s_http, (int)len) != ESP_OK) {
    return 0;
  }
  if (esp_http_client_write(s_http, (const char *)frame, (int)len) != (int)len ||
      esp_http_client_fetch_headers(s_http) < 0) {
    esp_http_client_close(s_http);
    return 0;
  }
  read = esp_http_client_read(s_http, (char *)resp, (int)resp_cap);
  *resp_len = read > 0 ? (size_t)read : 0;
  int status = esp_http_client_get_status_code(s_http);
  esp_http_client_close(s_http);
  return status;
}

static uint64_t port_uptime_ms(void *user) {
  (void)user;
  return (uint64_t)(esp_timer_get_time() / 1000);
}

static rastro_time_source_t port_unix_ms(void *user, uint64_t *out) {
  struct timeval now;
  (void)user;
  if (!s_time_synced) {
    return RASTRO_TIME_NONE; /* the RTC alone drifts and resets at power-on: do not claim it */
  }
  gettimeofday(&now, NULL);
  *out = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_usec / 1000u;
  return RASTRO_TIME_SNTP;
}

static bool port_load(void *user, rastro_persist_t *state) {
  nvs_handle_t nvs;
  size_t size = sizeof *state;
  bool ok;
  (void)user;
  if (nvs_open("rastro", NVS_READONLY, &nvs) != ESP_OK) {
    return false; /* first boot: no namespace yet */
  }
  ok = nvs_get_blob(nvs, "state", state, &size) == ESP_OK && size == sizeof *state;
  nvs_close(nvs);
  return ok;
}

/* Called once per block of seqs (256 records by default): NVS wear stays low. */
static bool port_save(void *user, const rastro_persist_t *state) {
  nvs_handle_t nvs;
  bool ok;
  (void)user;
  if (nvs_open("rastro", NVS_READWRITE, &nvs) != ESP_OK) {
    return false;
  }
  ok = nvs_set_blob(nvs, "state", state, sizeof *state) == ESP_OK && nvs_commit(nvs) == ESP_OK;
  nvs_close(nvs);
  return ok;
}

static void on_time_sync(struct timeval *tv) {
  (void)tv;
  s_time_synced = true;
}

/** Sets up SNTP, the HTTP client and the device; records kept in RTC memory are sent later. */
rastro_device_t *rastro_port_start(void) {
  static uint8_t mac[6];
  esp_http_client_config_t http = {
      .url = RASTRO_URL,
      .method = HTTP_METHOD_POST,
      .timeout_ms = 10000,
      .event_handler = on_http_event,
      .keep_alive_enable = true,
  };
  rastro_device_config_t config = {
      .platform = &s_platform,
      .ring = &s_ring,
      .frame_buf = s_frame,
      .frame_cap = sizeof s_frame,
      .id = mac,
      .id_len = sizeof mac,
      .fw_version = "kiosk-1.4.2",
  };
  esp_sntp_setoperatingmode(ESP_SNTP_OPMODE_POLL);
  esp_sntp_setservername(0, "pool.ntp.org");
  sntp_set_time_sync_notification_cb(on_time_sync);
  esp_sntp_init();

  s_http = esp_http_client_init(&http);
  esp_http_client_set_header(s_http, "Content-Type", "application/cbor");
  esp_http_client_set_header(s_http, "Authorization", "Bearer " RASTRO_DEVICE_KEY);

  s_platform.send = port_send;
  s_platform.uptime_ms = port_uptime_ms;
  s_platform.unix_ms = port_unix_ms;
  s_platform.load = port_load;
  s_platform.save = port_save;
  s_platform.user = NULL;

  esp_read_mac(mac, ESP_MAC_WIFI_STA);
  ESP_LOGI(TAG, "kept %u records across the reset", (unsigned)rastro_ring_init(&s_ring, s_ring_mem, sizeof s_ring_mem, true));
  if (!rastro_device_init(&s_dev, &config)) {
    ESP_LOGE(TAG, "rastro_device_init failed");
    return NULL;
  }
  return &s_dev;
}

/** Sends what waits, unless backing off: exponential with jitter, at least Retry-After, at most 5 min. */
void rastro_port_flush(void) {
  rastro_flush_result_t result;
  unsigned backoff_s;
  if (esp_timer_get_time() < s_next_try_us) {
    return;
  }
  result = rastro_device_flush(&s_dev);
  if (result == RASTRO_FLUSH_DONE) {
    s_failures = 0;
    return;
  }
  if (result == RASTRO_FLUSH_AUTH) {
    ESP_LOGE(TAG, "device key refused (401/403): records kept until a new key is set");
  }
  s_failures++;
  backoff_s = s_failures < 9 ? 1u << s_failures : 300u;
  backoff_s = backoff_s / 2 + esp_random() % (backoff_s / 2 + 1);
  if (s_retry_after_s > (int)backoff_s) {
    backoff_s = (unsigned)s_retry_after_s;
  }
  s_next_try_us = esp_timer_get_time() + (int64_t)backoff_s * 1000000;
  ESP_LOGW(TAG, "flush: %d, %u records waiting, next try in %us", (int)result, (unsigned)s_ring.count, backoff_s);
}

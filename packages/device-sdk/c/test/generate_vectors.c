/*
 * Builds the positive vectors of vectors/ with the C library, each the way a firmware would
 * (records through the device API, the frame from the ring), and prints "<name> <hex>" lines.
 * test/c-library.test.ts compares them with vectors/NNN-name.cbor byte for byte.
 * `generate_vectors ack <hex>` parses an ack instead and prints its fields.
 */
#include <stdio.h>
#include <string.h>

#include "../rastro_device.h"
#include "fake_platform.h"

static fake_platform_t fake;
static rastro_platform_t platform;
static rastro_ring_t ring;
static uint8_t ring_mem[4096];
static uint8_t frame[RASTRO_FRAME_DEFAULT_BYTES];
static rastro_device_t dev;
static const uint8_t device_id[6] = {0xa4, 0xcf, 0x12, 0x34, 0x56, 0x78};

/* A device whose persisted state is {boot_id, seq_reserved}; keep_ring: the ring survived a reset. */
static void boot(uint32_t boot_id, uint32_t seq_reserved, const char *fw_version, bool keep_ring) {
  rastro_device_config_t config;
  if (!keep_ring) {
    memset(&ring, 0, sizeof ring);
  }
  fake.has_state = boot_id != 0 || seq_reserved != 0;
  fake.state.boot_id = boot_id;
  fake.state.seq_reserved = seq_reserved;
  fake.source = RASTRO_TIME_NONE;
  platform = fake_platform_hooks(&fake);
  rastro_ring_init(&ring, ring_mem, sizeof ring_mem, keep_ring);
  memset(&config, 0, sizeof config);
  config.platform = &platform;
  config.ring = &ring;
  config.frame_buf = frame;
  config.frame_cap = sizeof frame;
  config.id = device_id;
  config.id_len = sizeof device_id;
  config.fw_version = fw_version;
  if (!rastro_device_init(&dev, &config)) {
    printf("init failed\n");
  }
}

static void at(uint64_t uptime_ms) { fake.uptime_ms = uptime_ms; }

/* Prints the next frame, sent at `uptime_ms`. */
static void emit(const char *name, uint64_t uptime_ms) {
  uint32_t records;
  size_t len;
  size_t i;
  at(uptime_ms);
  len = rastro_device_build_frame(&dev, &records);
  printf("%s ", name);
  for (i = 0; i < len; i++) {
    printf("%02x", frame[i]);
  }
  printf("\n");
}

/* Parses the ack given in hex and prints "boot through stored duplicates rejected status". */
static int parse_ack(const char *hex) {
  uint8_t bytes[64];
  size_t n = 0;
  unsigned byte;
  rastro_ack_t ack;
  while (n < sizeof bytes && hex[0] != '\0' && sscanf(hex, "%2x", &byte) == 1) {
    bytes[n++] = (uint8_t)byte;
    hex += 2;
  }
  if (!rastro_ack_parse(bytes, n, &ack)) {
    printf("invalid\n");
    return 1;
  }
  printf("%lu %lu %lu %lu %lu %lu\n", (unsigned long)ack.boot_id, (unsigned long)ack.acked_through,
         (unsigned long)ack.stored, (unsigned long)ack.duplicates, (unsigned long)ack.rejected,
         (unsigned long)ack.status);
  return 0;
}

int main(int argc, char **argv) {
  int i;
  if (argc == 3 && strcmp(argv[1], "ack") == 0) {
    return parse_ack(argv[2]);
  }

  boot(0, 0, NULL, false);
  at(1500);
  rastro_device_reading(&dev, "temp", 21.5, "C");
  emit("001-single-reading", 2000);

  boot(0, 0, NULL, false);
  for (i = 0; i < 20; i++) {
    at(60000u + (uint64_t)i * 10000u);
    rastro_device_reading(&dev, "t", 20.5 + i * 0.25, NULL);
  }
  emit("002-twenty-readings", 250500);

  boot(2, 512, "kiosk-1.4.2", false);
  {
    const rastro_prop_t tap[] = {RASTRO_PROP_S("uid", "04a2b3c4d5e6f7"), RASTRO_PROP_S("reader", "bar-1")};
    const rastro_prop_t purchase[] = {RASTRO_PROP_S("sku", "latte-m"), RASTRO_PROP_I("cents", 350),
                                      RASTRO_PROP_I("qty", 2),        RASTRO_PROP_B("paid", true),
                                      RASTRO_PROP_F("discount", 0.1), RASTRO_PROP_F("weight_g", 12.5)};
    at(90000);
    rastro_device_event(&dev, "door_open", NULL, 0, NULL);
    at(91250);
    rastro_device_event(&dev, "rfid_tap", tap, 2, "cust-0042");
    at(92100);
    rastro_device_event(&dev, "purchase", purchase, 6, "cust-0042");
    at(92500);
    rastro_device_reading(&dev, "door", 0, NULL);
  }
  emit("003-kiosk-events", 93000);

  boot(4, 1280, NULL, false);
  {
    const rastro_prop_t heartbeat[] = {RASTRO_PROP_I("rssi", -67), RASTRO_PROP_I("heap", 182344)};
    at(3599000);
    rastro_device_reading(&dev, "humidity", 41, "%");
    at(3599500);
    rastro_device_event(&dev, "heartbeat", heartbeat, 2, NULL);
    fake.source = RASTRO_TIME_SNTP;
    fake.unix_ms = 1763800000000ull;
  }
  emit("004-clock-sntp", 3600000);

  boot(6, 1800, NULL, false);
  {
    const rastro_prop_t reason[] = {RASTRO_PROP_S("code", "brownout")};
    at(5000);
    rastro_device_reading(&dev, "temp", 19.25, "C");
    at(5100);
    rastro_device_event(&dev, "reset_reason", reason, 1, NULL);
  }
  /* A brown-out: the ring in RTC memory survives, NVS says boot 7 reserved up to 2056. */
  boot(7, 2056, NULL, true);
  fake.source = RASTRO_TIME_SNTP;
  fake.unix_ms = 1763800000000ull;
  emit("005-earlier-boot", 700);

  boot(0, 0, NULL, false);
  {
    static const double values[] = {0, -1, 255, 65536, 4294967295.0, 65504, 4294967296.0, -4294967296.0, 1.5,
                                    -0.5, 100000.5, 0.1, 5.960464477539063e-8, 1.401298464324817e-45,
                                    3.4028234663852886e38};
    for (i = 0; i < (int)(sizeof values / sizeof values[0]); i++) {
      at(1000u + (uint64_t)i);
      rastro_device_reading(&dev, "n", values[i], NULL);
    }
  }
  emit("006-numbers", 20000);

  /* A record type from a later version, pushed as raw CBOR, then a reading (seq 1). */
  boot(0, 1, NULL, false);
  {
    uint8_t raw[16];
    rastro_cbor_t c;
    rastro_cbor_init(&c, raw, sizeof raw);
    rastro_cbor_array(&c, 3);
    rastro_cbor_uint(&c, 9);
    rastro_cbor_uint(&c, 1000);
    rastro_cbor_text(&c, "future", 6);
    rastro_ring_push(&ring, 1, 0, raw, (uint16_t)c.len, NULL);
    at(2000);
    rastro_device_reading(&dev, "temp", 20, "C");
  }
  emit("007-unknown-record-type", 3000);
  return 0;
}

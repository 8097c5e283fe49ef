/*
 * Unit tests of the C library, run by test/c-library.test.ts with gcc (also under ASan/UBSan).
 * Prints one line per failure and "N passed, N failed"; exits 1 on any failure.
 */
#include <stdio.h>
#include <string.h>

#include "../rastro_device.h"
#include "fake_platform.h"

static int passed;
static int failed;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) {                                                                                    \
      passed++;                                                                                    \
    } else {                                                                                       \
      failed++;                                                                                    \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                       \
    }                                                                                              \
  } while (0)

static size_t from_hex(const char *hex, uint8_t *out) {
  size_t n = 0;
  unsigned byte;
  while (hex[0] != '\0' && hex[1] != '\0' && sscanf(hex, "%2x", &byte) == 1) {
    out[n++] = (uint8_t)byte;
    hex += 2;
  }
  return n;
}

/* True when the encoder holds exactly `hex`; then starts it over. */
static bool holds(rastro_cbor_t *c, const char *hex) {
  uint8_t expected[128];
  size_t n = from_hex(hex, expected);
  bool same = c->ok && c->len == n && memcmp(c->buf, expected, n) == 0;
  if (!same) {
    size_t i;
    printf("  expected %s, got ", hex);
    for (i = 0; i < c->len; i++) {
      printf("%02x", c->buf[i]);
    }
    printf("\n");
  }
  rastro_cbor_init(c, c->buf, c->cap);
  return same;
}

static void test_crc32(void) {
  const char *check = "123456789";
  /* CRC-32/ISO-HDLC check value (the catalogue's "check" for the input 123456789). */
  CHECK(rastro_crc32(0, check, 9) == 0xCBF43926u);
  CHECK(rastro_crc32(rastro_crc32(0, check, 4), check + 4, 5) == 0xCBF43926u);
  CHECK(rastro_crc32(0, check, 0) == 0);
}

/* RFC 8949 Appendix A, the items this encoder writes. */
static void test_appendix_a(void) {
  uint8_t buf[128];
  rastro_cbor_t c;
  int i;
  static const struct {
    uint64_t value;
    const char *hex;
  } uints[] = {{0, "00"},
               {1, "01"},
               {10, "0a"},
               {23, "17"},
               {24, "1818"},
               {25, "1819"},
               {100, "1864"},
               {1000, "1903e8"},
               {1000000, "1a000f4240"},
               {1000000000000ull, "1b000000e8d4a51000"},
               {18446744073709551615ull, "1bffffffffffffffff"}};
  static const struct {
    int64_t value;
    const char *hex;
  } ints[] = {{-1, "20"}, {-10, "29"}, {-100, "3863"}, {-1000, "3903e7"}, {INT64_MIN, "3b7fffffffffffffff"}};
  static const struct {
    double value;
    const char *hex;
  } floats[] = {{0.0, "f90000"},
                {-0.0, "f98000"},
                {1.0, "f93c00"},
                {1.1, "fb3ff199999999999a"},
                {1.5, "f93e00"},
                {65504.0, "f97bff"},
                {100000.0, "fa47c35000"},
                {3.4028234663852886e+38, "fa7f7fffff"},
                {1.0e+300, "fb7e37e43c8800759c"},
                {5.960464477539063e-08, "f90001"},
                {6.103515625e-05, "f90400"},
                {-4.0, "f9c400"},
                {-4.1, "fbc010666666666666"}};
  rastro_cbor_init(&c, buf, sizeof buf);
  for (i = 0; i < (int)(sizeof uints / sizeof uints[0]); i++) {
    rastro_cbor_uint(&c, uints[i].value);
    CHECK(holds(&c, uints[i].hex));
  }
  for (i = 0; i < (int)(sizeof ints / sizeof ints[0]); i++) {
    rastro_cbor_int(&c, ints[i].value);
    CHECK(holds(&c, ints[i].hex));
  }
  for (i = 0; i < (int)(sizeof floats / sizeof floats[0]); i++) {
    rastro_cbor_float(&c, floats[i].value);
    CHECK(holds(&c, floats[i].hex));
  }
  {
    /* Infinity, NaN, -Infinity: built from bits so the test needs no <math.h>. */
    uint64_t bits[] = {0x7FF0000000000000ull, 0x7FF8000000000000ull, 0xFFF0000000000000ull};
    const char *hex[] = {"f97c00", "f97e00", "f9fc00"};
    double d;
    for (i = 0; i < 3; i++) {
      memcpy(&d, &bits[i], sizeof d);
      rastro_cbor_float(&c, d);
      CHECK(holds(&c, hex[i]));
    }
  }
  rastro_cbor_bool(&c, false);
  CHECK(holds(&c, "f4"));
  rastro_cbor_bool(&c, true);
  CHECK(holds(&c, "f5"));
  rastro_cbor_null(&c);
  CHECK(holds(&c, "f6"));
  rastro_cbor_bytes(&c, "", 0);
  CHECK(holds(&c, "40"));
  rastro_cbor_bytes(&c, "\x01\x02\x03\x04", 4);
  CHECK(holds(&c, "4401020304"));
  rastro_cbor_text(&c, "", 0);
  CHECK(holds(&c, "60"));
  rastro_cbor_text(&c, "a", 1);
  CHECK(holds(&c, "6161"));
  rastro_cbor_text(&c, "IETF", 4);
  CHECK(holds(&c, "6449455446"));
  rastro_cbor_text(&c, "\"\\", 2);
  CHECK(holds(&c, "62225c"));
  rastro_cbor_text(&c, "\xc3\xbc", 2);
  CHECK(holds(&c, "62c3bc"));
  rastro_cbor_text(&c, "\xe6\xb0\xb4", 3);
  CHECK(holds(&c, "63e6b0b4"));
  rastro_cbor_text(&c, "\xf0\x90\x85\x91", 4);
  CHECK(holds(&c, "64f0908591"));
  rastro_cbor_array(&c, 0);
  CHECK(holds(&c, "80"));
  rastro_cbor_array(&c, 3);
  rastro_cbor_uint(&c, 1);
  rastro_cbor_array(&c, 2);
  rastro_cbor_uint(&c, 2);
  rastro_cbor_uint(&c, 3);
  rastro_cbor_array(&c, 2);
  rastro_cbor_uint(&c, 4);
  rastro_cbor_uint(&c, 5);
  CHECK(holds(&c, "8301820203820405"));
  rastro_cbor_array(&c, 25);
  for (i = 1; i <= 25; i++) {
    rastro_cbor_uint(&c, (uint64_t)i);
  }
  CHECK(holds(&c, "98190102030405060708090a0b0c0d0e0f101112131415161718181819"));
  rastro_cbor_map(&c, 0);
  CHECK(holds(&c, "a0"));
  rastro_cbor_map(&c, 2);
  rastro_cbor_uint(&c, 1);
  rastro_cbor_uint(&c, 2);
  rastro_cbor_uint(&c, 3);
  rastro_cbor_uint(&c, 4);
  CHECK(holds(&c, "a201020304"));
  rastro_cbor_map(&c, 2);
  rastro_cbor_text(&c, "a", 1);
  rastro_cbor_uint(&c, 1);
  rastro_cbor_text(&c, "b", 1);
  rastro_cbor_array(&c, 2);
  rastro_cbor_uint(&c, 2);
  rastro_cbor_uint(&c, 3);
  CHECK(holds(&c, "a26161016162820203"));
}

static void test_number_and_float_edges(void) {
  uint8_t buf[32];
  rastro_cbor_t c;
  int i;
  static const struct {
    double value;
    const char *hex;
  } cases[] = {
      {21.0, "15"},                         /* integral: integer */
      {-3.0, "22"},                         /* negative integer */
      {-0.0, "00"},                         /* zero of either sign: 0 */
      {21.5, "f94d60"},                     /* half */
      {4294967295.0, "1affffffff"},         /* largest integer kept */
      {4294967296.0, "fa4f800000"},         /* 2^32: a float */
      {-4294967296.0, "facf800000"},        /* -2^32: a float */
      {-4294967295.0, "3afffffffe"},        /* -(2^32 - 1): an integer */
      {0.1, "fb3fb999999999999a"},          /* double */
      {65520.0, "19fff0"},                  /* integral */
      {65520.5, "fa477ff080"},              /* single */
      {1.401298464324817e-45, "fa00000001"}, /* 2^-149: single subnormal */
      {2.9802322387695312e-08, "fa33000000"} /* 2^-25: single normal, below half's range */
  };
  rastro_cbor_init(&c, buf, sizeof buf);
  for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
    rastro_cbor_number(&c, cases[i].value);
    CHECK(holds(&c, cases[i].hex));
  }
}

static void test_size_only_and_sticky(void) {
  uint8_t buf[64];
  rastro_cbor_t sized;
  rastro_cbor_t real;
  rastro_cbor_t tiny;
  rastro_cbor_init(&sized, NULL, 0);
  rastro_cbor_init(&real, buf, sizeof buf);
  CHECK(rastro_cbor_map(&sized, 1) && rastro_cbor_text(&sized, "temp", 4) && rastro_cbor_float(&sized, 0.1));
  rastro_cbor_map(&real, 1);
  rastro_cbor_text(&real, "temp", 4);
  rastro_cbor_float(&real, 0.1);
  CHECK(sized.ok && real.ok && sized.len == real.len && sized.len == 15);

  rastro_cbor_init(&tiny, buf, 3);
  CHECK(rastro_cbor_uint(&tiny, 1000));  /* 3 bytes: fits exactly */
  CHECK(!rastro_cbor_uint(&tiny, 1));    /* no room */
  CHECK(!rastro_cbor_array(&tiny, 0));   /* sticky: still failing */
  CHECK(!tiny.ok && tiny.len == 3);
}

static void test_ring(void) {
  static uint8_t mem[256];
  rastro_ring_t ring;
  rastro_record_t rec;
  uint8_t body[20];
  uint32_t dropped = 0;
  uint32_t seq;
  memset(&ring, 0, sizeof ring);
  memset(body, 0xAB, sizeof body);
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 0);
  /* 34 bytes per record: 7 fit in 256 bytes (the head never reaches the tail). */
  for (seq = 0; seq < 7; seq++) {
    body[0] = (uint8_t)seq;
    CHECK(rastro_ring_push(&ring, 1, seq, body, sizeof body, &dropped));
  }
  CHECK(ring.count == 7 && dropped == 0);
  body[0] = 7;
  /* 18 bytes left at the end: it goes to offset 0, where the two oldest records were. */
  CHECK(rastro_ring_push(&ring, 1, 7, body, sizeof body, &dropped));
  CHECK(ring.count == 6 && dropped == 2 && ring.head == 34 && ring.end == 238);
  CHECK(rastro_ring_peek(&ring, 0, &rec) && rec.seq == 2 && rec.cbor[0] == 2 && rec.len == 20);
  CHECK(rastro_ring_peek(&ring, 5, &rec) && rec.seq == 7 && rec.boot_id == 1);
  CHECK(!rastro_ring_peek(&ring, 6, &rec));
  /* Pop three, push three: the writes wrap around the end of the buffer. */
  CHECK(rastro_ring_pop(&ring) && rastro_ring_pop(&ring) && rastro_ring_pop(&ring));
  for (seq = 8; seq < 11; seq++) {
    body[0] = (uint8_t)seq;
    CHECK(rastro_ring_push(&ring, 2, seq, body, sizeof body, &dropped));
  }
  CHECK(ring.count == 6 && dropped == 2 && ring.head < ring.tail);
  for (seq = 0; seq < 6; seq++) {
    CHECK(rastro_ring_peek(&ring, seq, &rec) && rec.seq == seq + 5 && rec.cbor[0] == seq + 5);
  }
  /* A record larger than the ring never fits. */
  CHECK(!rastro_ring_push(&ring, 2, 99, mem, 250, &dropped));
  /* Empty it: it starts over at offset 0. */
  while (rastro_ring_pop(&ring)) {
  }
  CHECK(ring.count == 0 && ring.head == 0 && ring.tail == 0 && !rastro_ring_pop(&ring));
}

static void test_ring_recovery(void) {
  static uint8_t mem[512];
  rastro_ring_t ring;
  rastro_ring_t copy;
  rastro_record_t rec;
  uint8_t body[10] = {0};
  uint32_t seq;
  memset(&ring, 0, sizeof ring);
  rastro_ring_init(&ring, mem, sizeof mem, false);
  for (seq = 0; seq < 5; seq++) {
    body[0] = (uint8_t)seq;
    rastro_ring_push(&ring, 3, seq, body, sizeof body, NULL);
  }
  /* A reset: the struct and buffer survive (RTC memory); recovery keeps all five. */
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 5);
  /* A write cut by a reset: bytes past the head, head not moved. Nothing changes. */
  memset(mem + ring.head, 0x5A, 30);
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 5);
  /* Bit rot in the fourth record: it and everything after it are dropped. */
  copy = ring;
  mem[3 * (RASTRO_RING_RECORD_OVERHEAD + sizeof body) + RASTRO_RING_RECORD_OVERHEAD + 4] ^= 0x10;
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 3);
  CHECK(rastro_ring_peek(&ring, 2, &rec) && rec.seq == 2 && ring.head == 3 * (RASTRO_RING_RECORD_OVERHEAD + 10));
  /* A torn header (length bytes) in the first record: nothing is kept. */
  ring = copy;
  mem[12] ^= 0xFF;
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 0 && ring.head == 0);
  /* A struct that does not describe this buffer: start empty. */
  ring.magic = 0;
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 0);
  /* Without recovery the ring always starts empty. */
  rastro_ring_push(&ring, 3, 0, body, sizeof body, NULL);
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, false) == 0);
}

static void test_ring_recovery_after_wrap(void) {
  static uint8_t mem[200];
  rastro_ring_t ring;
  rastro_record_t rec;
  uint8_t body[26] = {0}; /* 40 bytes per record */
  uint32_t seq;
  memset(&ring, 0, sizeof ring);
  rastro_ring_init(&ring, mem, sizeof mem, false);
  for (seq = 0; seq < 7; seq++) {
    rastro_ring_push(&ring, 1, seq, body, sizeof body, NULL);
  }
  /* 4 fit; seqs 3..6 are kept and the ring has wrapped. */
  CHECK(ring.count == 4);
  CHECK(rastro_ring_init(&ring, mem, sizeof mem, true) == 4);
  for (seq = 0; seq < 4; seq++) {
    CHECK(rastro_ring_peek(&ring, seq, &rec) && rec.seq == seq + 3);
  }
}

static void test_ack_parse(void) {
  uint8_t buf[64];
  size_t n;
  rastro_ack_t ack;
  n = from_hex("a50007011a0001e240021503000401", buf);
  CHECK(rastro_ack_parse(buf, n, &ack) && ack.boot_id == 7 && ack.acked_through == 123456 && ack.stored == 21 &&
        ack.duplicates == 0 && ack.rejected == 1 && ack.status == 0);
  /* An error ack {5: 503, 6: "RASTRO_ERR_STORE_UNAVAILABLE"}: the text is skipped. */
  n = from_hex("a2051901f706781c524153545" "24f5f4552525f53544f52455f554e415641494c41424c45", buf);
  CHECK(rastro_ack_parse(buf, n, &ack) && ack.status == 503 && ack.boot_id == 0);
  /* A key from a later version is skipped. */
  n = from_hex("a3000201050918ff", buf);
  CHECK(rastro_ack_parse(buf, n, &ack) && ack.boot_id == 2 && ack.acked_through == 5);
  /* Not a map, cut short, trailing bytes, a value above 32 bits, a text key. */
  n = from_hex("8100", buf);
  CHECK(!rastro_ack_parse(buf, n, &ack));
  n = from_hex("a2000201", buf);
  CHECK(!rastro_ack_parse(buf, n, &ack));
  n = from_hex("a1000200", buf);
  CHECK(!rastro_ack_parse(buf, n, &ack));
  n = from_hex("a1011b0000000100000000", buf);
  CHECK(!rastro_ack_parse(buf, n, &ack));
  n = from_hex("a1616101", buf);
  CHECK(!rastro_ack_parse(buf, n, &ack));
  n = from_hex("a10168616263", buf); /* text value longer than the bytes */
  CHECK(!rastro_ack_parse(buf, n, &ack));
}

/* A device on a fresh fake: ring of `ring_bytes`, frames of `frame_cap`. */
typedef struct harness {
  fake_platform_t fake;
  rastro_platform_t platform;
  rastro_ring_t ring;
  uint8_t ring_mem[8192];
  uint8_t frame[RASTRO_FRAME_MAX_BYTES];
  rastro_device_t dev;
} harness_t;

static harness_t h;
static const uint8_t device_id[6] = {0xa4, 0xcf, 0x12, 0x34, 0x56, 0x78};

static bool start(uint32_t ring_bytes, uint16_t frame_cap, uint16_t seq_block, bool keep) {
  rastro_device_config_t config;
  if (!keep) {
    memset(&h.fake, 0, sizeof h.fake);
    memset(&h.ring, 0, sizeof h.ring);
  }
  h.platform = fake_platform_hooks(&h.fake);
  rastro_ring_init(&h.ring, h.ring_mem, ring_bytes, keep);
  memset(&config, 0, sizeof config);
  config.platform = &h.platform;
  config.ring = &h.ring;
  config.frame_buf = h.frame;
  config.frame_cap = frame_cap;
  config.id = device_id;
  config.id_len = sizeof device_id;
  config.seq_block = seq_block;
  return rastro_device_init(&h.dev, &config);
}

static void test_device_config(void) {
  rastro_device_config_t config;
  CHECK(start(4096, 4096, 0, false));
  memset(&config, 0, sizeof config);
  CHECK(!rastro_device_init(&h.dev, &config)); /* no platform */
  config.platform = &h.platform;
  config.ring = &h.ring;
  config.frame_buf = h.frame;
  config.frame_cap = 256; /* below RASTRO_FRAME_MIN_BYTES */
  config.id = device_id;
  config.id_len = sizeof device_id;
  CHECK(!rastro_device_init(&h.dev, &config));
  config.frame_cap = 512;
  config.id_len = 4; /* device id too short */
  CHECK(!rastro_device_init(&h.dev, &config));
  config.id_len = 6;
  config.fw_version = "a firmware version longer than thirty-two bytes";
  CHECK(!rastro_device_init(&h.dev, &config));
  config.fw_version = "1.0.0";
  CHECK(rastro_device_init(&h.dev, &config));
}

static void test_device_sequences(void) {
  int i;
  /* Block of 4: saves at seq 0, 4 and 8 for ten records. */
  CHECK(start(4096, 4096, 4, false));
  CHECK(h.dev.boot_id == 1 && h.fake.saves == 0); /* no write on a boot that records nothing */
  for (i = 0; i < 10; i++) {
    CHECK(rastro_device_reading(&h.dev, "t", i, NULL));
  }
  CHECK(h.fake.saves == 3 && h.fake.state.boot_id == 1 && h.fake.state.seq_reserved == 12);
  /* Next boot: a new boot id, seqs after the reserved block (10 and 11 are skipped). */
  CHECK(start(4096, 4096, 4, true));
  CHECK(h.dev.boot_id == 2 && h.dev.next_seq == 12);
  CHECK(rastro_device_event(&h.dev, "boot", NULL, 0, NULL));
  CHECK(h.fake.state.boot_id == 2 && h.fake.state.seq_reserved == 16);
  /* A save that fails refuses the record: seqs are never handed out unsaved. */
  h.fake.fail_save = true;
  for (i = 0; i < 3; i++) {
    CHECK(rastro_device_reading(&h.dev, "t", 1, NULL));
  }
  CHECK(!rastro_device_reading(&h.dev, "t", 1, NULL));
}

static void test_device_events(void) {
  rastro_record_t rec;
  const rastro_prop_t props[] = {RASTRO_PROP_S("sku", "latte-m"), RASTRO_PROP_I("qty", 2),
                                 RASTRO_PROP_F("discount", 0.1), RASTRO_PROP_B("paid", true),
                                 RASTRO_PROP_I("cents", 350), RASTRO_PROP_F("weight_g", 12.5)};
  const rastro_prop_t dup[] = {RASTRO_PROP_I("a", 1), RASTRO_PROP_I("a", 2)};
  uint8_t expected[128];
  size_t n;
  CHECK(start(4096, 4096, 0, false));
  h.fake.uptime_ms = 92100;
  CHECK(rastro_device_event(&h.dev, "purchase", props, 6, "cust-0042"));
  CHECK(rastro_ring_peek(&h.ring, 0, &rec));
  /* [0, 92100, "purchase", {qty, sku, paid, cents, discount, weight_g}, "cust-0042"]: keys sorted. */
  n = from_hex("85001a000167c46870757263686173"
               "65a6637174790263736b75676c617474652d6d6470616964f56563656e7473"
               "19015e68646973636f756e74fb3fb999999999999a68776569676874"
               "5f67f94a406963"
               "7573742d30303432",
               expected);
  CHECK(rec.len == n && memcmp(rec.cbor, expected, n) == 0);
  CHECK(!rastro_device_event(&h.dev, "dup", dup, 2, NULL)); /* duplicate key */
  CHECK(!rastro_device_event(&h.dev, NULL, NULL, 0, NULL)); /* no name */
  CHECK(h.ring.count == 1);
}

static void test_device_property_order(void) {
  rastro_record_t rec;
  /* Shorter keys first, then byte by byte, unsigned: "b" < "aa" < "ab" < "\xc3\xa9" < "abc". */
  const rastro_prop_t props[] = {RASTRO_PROP_B("ab", true), RASTRO_PROP_B("abc", true),
                                 RASTRO_PROP_B("\xc3\xa9", true), RASTRO_PROP_B("aa", true),
                                 RASTRO_PROP_B("b", true)};
  const rastro_prop_t empty_key[] = {RASTRO_PROP_I("a", 1), RASTRO_PROP_I("", 2)};
  const rastro_prop_t null_key[] = {RASTRO_PROP_I("a", 1), RASTRO_PROP_I(NULL, 2)};
  uint8_t expected[64];
  size_t n;
  CHECK(start(4096, 4096, 0, false));
  h.fake.uptime_ms = 1;
  CHECK(rastro_device_event(&h.dev, "order", props, 5, NULL));
  CHECK(rastro_ring_peek(&h.ring, 0, &rec));
  /* [0, 1, "order", {"b": true, "aa": true, "ab": true, "é": true, "abc": true}] */
  n = from_hex("840001656f72646572a56162f5626161f5626162f562c3a9f563616263f5", expected);
  CHECK(rec.len == n && memcmp(rec.cbor, expected, n) == 0);
  /* Keys are 1 to 100 bytes (frame.cddl): an empty key is refused like a duplicate, so is NULL. */
  CHECK(!rastro_device_event(&h.dev, "empty", empty_key, 2, NULL));
  CHECK(!rastro_device_event(&h.dev, "null", null_key, 2, NULL));
  CHECK(h.ring.count == 1);
}

static void test_device_records_wrap_the_ring(void) {
  rastro_record_t rec;
  uint32_t records;
  uint32_t boot;
  uint32_t seq;
  uint32_t count;
  uint32_t i;
  size_t len;
  /* A 256-byte ring holds about ten readings: thirty wrap it and drop the oldest. Each record is
     encoded in place where the push seals it, also at the wrap point. */
  CHECK(start(256, 512, 0, false));
  for (i = 0; i < 30; i++) {
    h.fake.uptime_ms = 1000u + i;
    CHECK(rastro_device_reading(&h.dev, "t", i % 20, NULL));
  }
  CHECK(h.ring.count > 5 && h.ring.count < 30 && h.dev.dropped == 30 - h.ring.count);
  CHECK(h.ring.head < h.ring.tail); /* wrapped */
  for (i = 0; i < h.ring.count; i++) {
    /* [1, 1000 + seq, "t", seq % 20]: 84 01 19xxxx 6174 xx */
    CHECK(rastro_ring_peek(&h.ring, i, &rec) && rec.boot_id == 1 && rec.seq == 30 - h.ring.count + i);
    CHECK(rec.len == 8 && rec.cbor[0] == 0x84 && rec.cbor[4] == (uint8_t)(1000 + rec.seq) && rec.cbor[7] == rec.seq % 20);
  }
  /* Every record passes its CRC after a reset, and one frame carries them all in order. */
  count = h.ring.count;
  CHECK(rastro_ring_init(&h.ring, h.ring_mem, 256, true) == count);
  h.fake.uptime_ms = 2000;
  len = rastro_device_build_frame(&h.dev, &records);
  CHECK(len > 0 && records == count && fake_frame_info(h.frame, len, &boot, &seq, &count));
  CHECK(boot == 1 && seq == 30 - records && count == records);
}

static void test_device_too_large_record(void) {
  static char big[420];
  memset(big, 'x', sizeof big - 1);
  CHECK(start(4096, 512, 0, false));
  CHECK(!rastro_device_event(&h.dev, big, NULL, 0, NULL));
  big[300] = '\0';
  CHECK(rastro_device_event(&h.dev, big, NULL, 0, NULL));
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_DONE && h.fake.sends == 1 && h.fake.frame_len[0] <= 512);
}

static void test_device_flush(void) {
  uint32_t boot;
  uint32_t seq;
  uint32_t count;
  uint32_t next = 0;
  int i;
  CHECK(start(8192, 512, 0, false));
  for (i = 0; i < 100; i++) {
    h.fake.uptime_ms = 1000u + (uint64_t)i * 100u;
    CHECK(rastro_device_reading(&h.dev, "temp", 20.0 + i * 0.5, "C"));
  }
  /* Retry-later statuses keep everything. */
  h.fake.statuses[0] = 503;
  h.fake.statuses[1] = 0;
  h.fake.status_count = 2;
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_RETRY && h.ring.count == 100);
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_RETRY && h.ring.count == 100);
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_DONE && h.ring.count == 0);
  /* Frames of at most 512 bytes, each starting where the last one ended. */
  CHECK(h.fake.sends > 3);
  for (i = 2; i < h.fake.sends; i++) {
    CHECK(h.fake.frame_len[i] <= 512 && (i == h.fake.sends - 1 || h.fake.frame_len[i] > 450));
    CHECK(fake_frame_info(h.fake.frames[i], h.fake.frame_len[i], &boot, &seq, &count));
    CHECK(boot == 1 && seq == next);
    next = seq + count;
  }
  CHECK(next == 100);
}

static void test_device_flush_statuses(void) {
  int i;
  /* 413 halves the frame; 400 drops the frame's records; 401 stops. */
  CHECK(start(8192, 4096, 0, false));
  for (i = 0; i < 300; i++) {
    CHECK(rastro_device_reading(&h.dev, "temp", i, NULL));
  }
  h.fake.statuses[0] = 413;
  h.fake.statuses[1] = 400;
  h.fake.statuses[2] = 401;
  h.fake.status_count = 3;
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_AUTH);
  CHECK(h.fake.frame_len[0] > 2048 && h.fake.frame_len[1] <= 2048 && h.dev.frame_limit == 2048);
  CHECK(h.dev.dropped > 0 && h.ring.count == 300 - h.dev.dropped);
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_DONE && h.ring.count == 0);
  /* An ack that frees nothing is reported, not looped on. */
  CHECK(rastro_device_reading(&h.dev, "temp", 1, NULL));
  h.fake.override_ack = true;
  h.fake.ack.boot_id = 1;
  h.fake.ack.acked_through = 0; /* the record has seq 300 */
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_BAD_ACK && h.ring.count == 1);
}

static void test_device_boots_in_frames(void) {
  uint32_t boot;
  uint32_t seq;
  uint32_t count;
  uint32_t records;
  size_t len;
  /* Records of boot 1 survive a reset (recovered ring); boot 2 sends them in their own frame. */
  CHECK(start(4096, 4096, 0, false));
  h.fake.statuses[0] = 503;
  h.fake.status_count = 1;
  CHECK(rastro_device_reading(&h.dev, "temp", 20, "C"));
  CHECK(rastro_device_reading(&h.dev, "temp", 21, "C"));
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_RETRY);
  CHECK(start(4096, 4096, 0, true) && h.dev.boot_id == 2 && h.ring.count == 2);
  h.fake.source = RASTRO_TIME_SNTP;
  h.fake.unix_ms = 1763800000000ull;
  CHECK(rastro_device_reading(&h.dev, "temp", 22, "C"));
  len = rastro_device_build_frame(&h.dev, &records);
  CHECK(len > 0 && records == 2 && fake_frame_info(h.frame, len, &boot, &seq, &count) && boot == 1);
  /* Boot 1's header has keys 0-3 only: no uptime, no clock (they belong to boot 2). */
  CHECK(h.frame[0] == 0xa4);
  CHECK(rastro_device_flush(&h.dev) == RASTRO_FLUSH_DONE && h.fake.sends == 3);
  CHECK(fake_frame_info(h.fake.frames[2], h.fake.frame_len[2], &boot, &seq, &count) && boot == 2 &&
        seq == 256 && count == 1);
  CHECK(h.fake.frames[2][0] == 0xa7); /* keys 0-6 */
}

static void test_device_time_deltas(void) {
  uint32_t records;
  size_t len;
  uint8_t expected[64];
  size_t n;
  CHECK(start(4096, 4096, 0, false));
  h.fake.uptime_ms = 70000;
  CHECK(rastro_device_reading(&h.dev, "t", 1, NULL));
  h.fake.uptime_ms = 70250;
  CHECK(rastro_device_reading(&h.dev, "t", 2, NULL));
  h.fake.uptime_ms = 70000; /* a clock that went back is held at its last value */
  CHECK(rastro_device_reading(&h.dev, "t", 3, NULL));
  h.fake.uptime_ms = 80000;
  len = rastro_device_build_frame(&h.dev, &records);
  /* {0:1, 1:h'a4cf12345678', 2:1, 3:0, 4:80000}, [[1,70000,"t",1],[1,250,"t",2],[1,0,"t",3]] + CRC */
  n = from_hex("a50001014" "6a4cf12345678020103000"
               "41a00013880838401" "1a000111706174"
               "01840118fa61740284010061" "7403",
               expected);
  CHECK(records == 3 && len == n + 4 && memcmp(h.frame, expected, n) == 0);
  CHECK(rastro_crc32(0, h.frame, n) ==
        ((uint32_t)h.frame[n] << 24 | (uint32_t)h.frame[n + 1] << 16 | (uint32_t)h.frame[n + 2] << 8 | h.frame[n + 3]));
}

int main(void) {
  test_crc32();
  test_appendix_a();
  test_number_and_float_edges();
  test_size_only_and_sticky();
  test_ring();
  test_ring_recovery();
  test_ring_recovery_after_wrap();
  test_ack_parse();
  test_device_config();
  test_device_sequences();
  test_device_events();
  test_device_property_order();
  test_device_records_wrap_the_ring();
  test_device_too_large_record();
  test_device_flush();
  test_device_flush_statuses();
  test_device_boots_in_frames();
  test_device_time_deltas();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

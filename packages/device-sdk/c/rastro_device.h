/*
 * rastro_device.h: Rastro's device SDK for ESP32-class firmware (C99).
 *
 * Records events and telemetry readings into a caller-provided ring buffer (CRC-32 per
 * record, so a torn write or bit rot is detected at boot), builds CBOR frames (RFC 8949,
 * deterministic encoding, RFC 8742 sequence + CRC-32) and hands them to a platform `send`
 * hook; records are freed only when the collector acknowledges them. No malloc, no libc
 * beyond <stdint.h>, <stddef.h> and <string.h> (<stdbool.h> is a freestanding header).
 *
 * The wire format is specified in spec/PROTOCOL.md and spec/frame.cddl.
 *
 * Naming: public functions are rastro_<module>_<verb>; every function that can fail returns
 * bool (false: failed) and the CBOR encoder also keeps a sticky status.
 */
#ifndef RASTRO_DEVICE_H
#define RASTRO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the frame format this SDK writes (header key 0). */
#define RASTRO_PROTOCOL_VERSION 1u

/** Smallest and largest frame buffer (bytes). The collector refuses frames over 64 KiB. */
#define RASTRO_FRAME_MIN_BYTES 512u
#define RASTRO_FRAME_MAX_BYTES 16384u
/** Default frame size: one TLS out-record at ESP-IDF defaults, one AWS/Azure billing unit. */
#define RASTRO_FRAME_DEFAULT_BYTES 4096u

/** Device ids are 6 to 16 bytes (a MAC address, an eFuse id, a serial number). */
#define RASTRO_DEVICE_ID_MIN_BYTES 6u
#define RASTRO_DEVICE_ID_MAX_BYTES 16u

/** Sequence numbers reserved per persisted block: one flash write every this many records. */
#define RASTRO_SEQ_BLOCK_DEFAULT 256u

/* ------------------------------------------------------------------------------------------ */
/* CBOR encoder (RFC 8949): caller buffer, size-only mode, sticky status.                     */
/* ------------------------------------------------------------------------------------------ */

/**
 * Encoder context (16 bytes on a 32-bit MCU). With `buf == NULL` nothing is written and `len`
 * counts the bytes that would be (size-only mode). Once a write does not fit, `ok` stays false
 * and every later call does nothing and returns false.
 */
typedef struct rastro_cbor {
  uint8_t *buf; /**< output, or NULL for size-only mode */
  size_t cap;   /**< capacity of buf (bytes) */
  size_t len;   /**< bytes written (or counted) so far */
  bool ok;      /**< false once a write did not fit */
} rastro_cbor_t;

/** Starts encoding into `buf` (`cap` bytes); `buf == NULL`: size-only mode. */
void rastro_cbor_init(rastro_cbor_t *c, uint8_t *buf, size_t cap);
/** Unsigned integer, major type 0, shortest head (RFC 8949 §4.2.1). */
bool rastro_cbor_uint(rastro_cbor_t *c, uint64_t value);
/** Signed integer: major type 0 or 1. */
bool rastro_cbor_int(rastro_cbor_t *c, int64_t value);
/** Floating point, as the shortest of half/single/double that keeps the value exactly (§4.2.2). */
bool rastro_cbor_float(rastro_cbor_t *c, double value);
/** A number: an integer when `value` is integral and fits int64, else rastro_cbor_float. */
bool rastro_cbor_number(rastro_cbor_t *c, double value);
/** Byte string of `n` bytes. */
bool rastro_cbor_bytes(rastro_cbor_t *c, const void *data, size_t n);
/** Text string of `n` bytes (UTF-8, not checked). */
bool rastro_cbor_text(rastro_cbor_t *c, const char *text, size_t n);
/** Array head for `n` items (definite length). */
bool rastro_cbor_array(rastro_cbor_t *c, size_t n);
/** Map head for `n` pairs (definite length); the caller writes keys in deterministic order. */
bool rastro_cbor_map(rastro_cbor_t *c, size_t n);
/** `true` or `false`. */
bool rastro_cbor_bool(rastro_cbor_t *c, bool value);
/** `null`. */
bool rastro_cbor_null(rastro_cbor_t *c);
/** Copies already-encoded CBOR. */
bool rastro_cbor_raw(rastro_cbor_t *c, const void *data, size_t n);

/* ------------------------------------------------------------------------------------------ */
/* CRC-32/ISO-HDLC (poly 0x04C11DB7 reflected, init and xorout 0xFFFFFFFF): zlib's crc32 and  */
/* the ESP32 ROM's crc32_le. check("123456789") = 0xCBF43926.                                 */
/* ------------------------------------------------------------------------------------------ */

/**
 * Continues a CRC-32 over `n` bytes: start with crc = 0, feed the previous result to continue.
 * Define RASTRO_CRC32_ROM to use the ESP32 ROM (`esp_rom_crc32_le`) and save the code.
 */
uint32_t rastro_crc32(uint32_t crc, const void *data, size_t n);

/* ------------------------------------------------------------------------------------------ */
/* Ring buffer of records (caller memory; keep it in RTC/no-init RAM to survive resets).     */
/* ------------------------------------------------------------------------------------------ */

/**
 * A ring of variable-length records in a caller buffer. Each record carries its length, boot
 * id, sequence number and a CRC-32 over all of it. `head` moves only after a record is fully
 * written, so a reset mid-write leaves the record invisible; rastro_ring_init(…, true) walks
 * the ring and drops everything from the first record whose CRC does not match.
 */
typedef struct rastro_ring {
  uint32_t magic; /**< RASTRO_RING_MAGIC once initialised */
  uint8_t *buf;
  uint32_t cap;   /**< bytes */
  uint32_t head;  /**< offset of the next write */
  uint32_t tail;  /**< offset of the oldest record */
  uint32_t end;   /**< where the records stop before going on at offset 0 (cap when not wrapped) */
  uint32_t count; /**< records held (recounted by rastro_ring_init) */
} rastro_ring_t;

/** Per-record overhead in the ring (bytes): CRC 4, boot id 4, sequence number 4, length 2. */
#define RASTRO_RING_RECORD_OVERHEAD 14u

/** A record as read back from the ring. */
typedef struct rastro_record {
  uint32_t boot_id;
  uint32_t seq;
  const uint8_t *cbor; /**< the record: CBOR array [type, uptime_ms, ...] */
  uint16_t len;        /**< bytes of cbor */
} rastro_record_t;

/**
 * Sets up a ring in `buf` (`cap` bytes, 64..65535). With `recover` and a ring that was set up
 * on the same buffer before (e.g. in RTC memory across a reset), keeps its records up to the
 * first one that fails its CRC; otherwise starts empty.
 * @return the number of records kept.
 */
uint32_t rastro_ring_init(rastro_ring_t *ring, uint8_t *buf, uint32_t cap, bool recover);
/**
 * Appends a record, dropping the oldest records while there is no room.
 * @return false when the record can never fit (longer than the ring allows).
 */
bool rastro_ring_push(rastro_ring_t *ring, uint32_t boot_id, uint32_t seq, const uint8_t *cbor,
                      uint16_t len, uint32_t *dropped);
/** Reads the `index`-th oldest record (0 = oldest) without removing it. */
bool rastro_ring_peek(const rastro_ring_t *ring, uint32_t index, rastro_record_t *out);
/** Removes the oldest record. */
bool rastro_ring_pop(rastro_ring_t *ring);

/* ------------------------------------------------------------------------------------------ */
/* Acknowledgement from the collector: CBOR map {0: boot_id, 1: acked_through, 2: stored,    */
/* 3: duplicates, 4: rejected} on success, {5: status, 6: code} on error (MQTT).              */
/* ------------------------------------------------------------------------------------------ */

typedef struct rastro_ack {
  uint32_t boot_id;       /**< boot the ack is about */
  uint32_t acked_through; /**< highest contiguous seq stored: free records up to it */
  uint32_t stored;        /**< records stored by this frame */
  uint32_t duplicates;    /**< records already stored before (retries) */
  uint32_t rejected;      /**< records refused (invalid): acked too, never resent */
  uint32_t status;        /**< error status (HTTP semantics) when the ack reports an error, else 0 */
} rastro_ack_t;

/** Parses an ack. Unknown keys with integer or text values are skipped. */
bool rastro_ack_parse(const uint8_t *data, size_t n, rastro_ack_t *ack);

/* ------------------------------------------------------------------------------------------ */
/* Device: records, frames, sends.                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Where the device's clock time comes from (header key 6). */
typedef enum {
  RASTRO_TIME_NONE = 0,
  RASTRO_TIME_SNTP = 1,
  RASTRO_TIME_GPS = 2,
  RASTRO_TIME_RTC = 3
} rastro_time_source_t;

/** What persists across boots (in NVS): the last boot id and the first unreserved seq. */
typedef struct rastro_persist {
  uint32_t boot_id;
  uint32_t seq_reserved; /**< seqs below this may have been used: never reuse them */
} rastro_persist_t;

/** Platform hooks. `user` is passed back to every hook. */
typedef struct rastro_platform {
  /**
   * Sends a frame and waits for the answer. Writes the answer body (the ack) into `resp`
   * (`resp_cap` bytes) and its length into `*resp_len`.
   * @return an HTTP status: 200 with an ack; 413 frame too large (the SDK halves its frames);
   *   408, 429, 5xx, or 0 for a network error: retry later (keep the records); 401/403: the key
   *   is refused (keep the records); any other 4xx: the frame is refused for good (its records
   *   are dropped so they do not block the ring).
   */
  int (*send)(void *user, const uint8_t *frame, size_t len, uint8_t *resp, size_t resp_cap,
              size_t *resp_len);
  /** Milliseconds since this boot; must never go backwards within a boot. */
  uint64_t (*uptime_ms)(void *user);
  /** Optional (may be NULL): wall-clock ms since 1970 and its source; RASTRO_TIME_NONE if unsure. */
  rastro_time_source_t (*unix_ms)(void *user, uint64_t *out);
  /** Reads the persisted state; false when there is none yet (first boot). */
  bool (*load)(void *user, rastro_persist_t *state);
  /** Writes the persisted state (NVS); called at init and once per seq block. */
  bool (*save)(void *user, const rastro_persist_t *state);
  void *user;
} rastro_platform_t;

/** Everything rastro_device_init needs. */
typedef struct rastro_device_config {
  const rastro_platform_t *platform;
  rastro_ring_t *ring;    /**< set up with rastro_ring_init */
  uint8_t *frame_buf;     /**< frames are built here */
  uint16_t frame_cap;     /**< RASTRO_FRAME_MIN_BYTES..RASTRO_FRAME_MAX_BYTES */
  const uint8_t *id;      /**< device id */
  uint8_t id_len;         /**< RASTRO_DEVICE_ID_MIN_BYTES..RASTRO_DEVICE_ID_MAX_BYTES */
  const char *fw_version; /**< optional firmware version (header key 7), <= 32 bytes */
  uint16_t seq_block;     /**< seqs reserved per save; 0: RASTRO_SEQ_BLOCK_DEFAULT */
} rastro_device_config_t;

/** A device. Treat as opaque. */
typedef struct rastro_device {
  const rastro_platform_t *platform;
  rastro_ring_t *ring;
  uint8_t *frame_buf;
  const char *fw_version;
  uint64_t last_uptime_ms;
  uint32_t boot_id;
  uint32_t next_seq;
  uint32_t seq_reserved;
  uint32_t dropped; /**< records lost: ring overflow or refused frames */
  uint16_t frame_limit; /**< current frame size; halved on 413 */
  uint16_t seq_block;
  uint8_t id_len;
  uint8_t id[RASTRO_DEVICE_ID_MAX_BYTES];
} rastro_device_t;

/** Property value types of an event. */
typedef enum {
  RASTRO_PROP_INT = 0,
  RASTRO_PROP_NUMBER = 1, /**< double: integral values travel as integers */
  RASTRO_PROP_TEXT = 2,   /**< zero-terminated UTF-8 */
  RASTRO_PROP_BOOL = 3
} rastro_prop_type_t;

/** One event property. Build with the RASTRO_PROP_* macros. */
typedef struct rastro_prop {
  const char *key; /**< zero-terminated, unique within the event */
  uint8_t type;    /**< rastro_prop_type_t */
  union {
    int64_t i;
    double f;
    const char *s;
    bool b;
  } v;
} rastro_prop_t;

#define RASTRO_PROP_I(k, x) {(k), RASTRO_PROP_INT, {.i = (x)}}
#define RASTRO_PROP_F(k, x) {(k), RASTRO_PROP_NUMBER, {.f = (x)}}
#define RASTRO_PROP_S(k, x) {(k), RASTRO_PROP_TEXT, {.s = (x)}}
#define RASTRO_PROP_B(k, x) {(k), RASTRO_PROP_BOOL, {.b = (x)}}

/** Result of rastro_device_flush. */
typedef enum {
  RASTRO_FLUSH_DONE = 0,     /**< every record was sent and acknowledged */
  RASTRO_FLUSH_RETRY = 1,    /**< network error, 408/429/5xx: call again later (back off) */
  RASTRO_FLUSH_AUTH = 2,     /**< 401/403: the device key is refused */
  RASTRO_FLUSH_BAD_ACK = 3   /**< a 200 whose ack did not free the frame's records */
} rastro_flush_result_t;

/**
 * Starts the device: loads the persisted state and takes the next boot id. The first record
 * saves the state with a reserved block of sequence numbers (no flash write on a boot that
 * records nothing). Records already in the ring (recovered) are kept and sent.
 * @return false on a bad config (missing hook, sizes out of range, ring not set up).
 */
bool rastro_device_init(rastro_device_t *dev, const rastro_device_config_t *config);
/**
 * Records an event: `name`, `n` properties (keys unique), and optionally the customer's id
 * (`user_id`, may be NULL) so the event joins that customer's timeline.
 * @return false when it is invalid (duplicate key, too large for a frame) or seqs cannot be saved.
 */
bool rastro_device_event(rastro_device_t *dev, const char *name, const rastro_prop_t *props,
                         size_t n, const char *user_id);
/** Records a telemetry reading of `metric` (unit optional, e.g. "C", "%", "hPa"). */
bool rastro_device_reading(rastro_device_t *dev, const char *metric, double value,
                           const char *unit);
/**
 * Builds the next frame from the oldest records into the frame buffer.
 * @return its length in bytes (0: nothing to send); `*records` receives how many it holds.
 */
size_t rastro_device_build_frame(rastro_device_t *dev, uint32_t *records);
/** Frees the records an ack covers. @return how many were freed. */
uint32_t rastro_device_apply_ack(rastro_device_t *dev, const rastro_ack_t *ack);
/** Sends frames until the ring is empty or a send fails. */
rastro_flush_result_t rastro_device_flush(rastro_device_t *dev);

#ifdef __cplusplus
}
#endif

#endif /* RASTRO_DEVICE_H */

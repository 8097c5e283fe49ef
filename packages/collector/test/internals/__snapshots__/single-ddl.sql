CREATE TABLE IF NOT EXISTS rastro_migrations (
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version;

CREATE TABLE IF NOT EXISTS events (
  tenant_id LowCardinality(String),
  site_id LowCardinality(String),
  message_id String,
  type LowCardinality(String),
  event String,
  name String,
  anonymous_id String,
  user_id String,
  session_id String,
  timestamp DateTime64(3, 'UTC'),
  original_timestamp Nullable(DateTime64(3, 'UTC')),
  sent_at Nullable(DateTime64(3, 'UTC')),
  received_at DateTime64(3, 'UTC'),
  url String,
  path String,
  referrer String,
  title String,
  utm_source LowCardinality(String),
  utm_medium LowCardinality(String),
  utm_campaign String,
  utm_term String,
  utm_content String,
  browser LowCardinality(String),
  browser_version LowCardinality(String),
  os LowCardinality(String),
  os_version LowCardinality(String),
  device_type LowCardinality(String),
  user_agent String CODEC(ZSTD(3)),
  ip String,
  library_name LowCardinality(String),
  library_version LowCardinality(String),
  locale LowCardinality(String),
  score UInt8,
  engagement LowCardinality(String),
  bot UInt8,
  properties String CODEC(ZSTD(3)),
  traits String CODEC(ZSTD(3)),
  context String CODEC(ZSTD(3)),
  retention_days UInt16,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, toDate(timestamp), type, event, cityHash64(message_id))
TTL toDateTime(timestamp) + toIntervalDay(retention_days)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS telemetry (
  tenant_id LowCardinality(String),
  device_id String,
  metric LowCardinality(String),
  boot_id UInt32,
  seq UInt32,
  timestamp DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  value Float64 CODEC(Gorilla, ZSTD(1)),
  unit LowCardinality(String),
  device_time Nullable(DateTime64(3, 'UTC')),
  received_at DateTime64(3, 'UTC'),
  time_quality LowCardinality(String),
  retention_days UInt16,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX timestamp_minmax timestamp TYPE minmax GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, metric, device_id, boot_id, seq)
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS device_seq (
  tenant_id LowCardinality(String),
  device_id String,
  boot_id UInt32,
  seq_first UInt32,
  seq_last UInt32,
  received_at DateTime64(3, 'UTC'),
  retention_days UInt16
)
ENGINE = MergeTree
ORDER BY (tenant_id, device_id, boot_id, seq_first)
TTL toDateTime(received_at) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS forward_log (
  at DateTime64(3, 'UTC'),
  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  source_event LowCardinality(String),
  attempt UInt16,
  status LowCardinality(String),
  http_status UInt16,
  vendor_trace_id String,
  latency_ms UInt32,
  outcome LowCardinality(String),
  error_code LowCardinality(String),
  error String,
  payload_sha256 String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, destination, at)
TTL toDateTime(at) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS forward_ledger (
  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  state LowCardinality(String),
  attempts UInt16,
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, destination, event_id)
TTL toDateTime(updated_at) + INTERVAL 35 DAY;

CREATE TABLE IF NOT EXISTS forward_retries (
  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  owner LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  source_event LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  attempts UInt16,
  next_attempt_at DateTime64(3, 'UTC'),
  state LowCardinality(String),
  item String CODEC(ZSTD(3)),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, destination, event_id)
TTL toDateTime(event_time) + INTERVAL 8 DAY;

CREATE TABLE IF NOT EXISTS forward_dead_letters (
  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  source_event LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  error_code LowCardinality(String),
  error String,
  http_status UInt16,
  attempts UInt16,
  payload String CODEC(ZSTD(3)),
  dead_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(dead_at)
PARTITION BY toYYYYMM(dead_at)
ORDER BY (tenant_id, destination, event_id)
TTL toDateTime(dead_at) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS crm_contacts (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  merged_into String DEFAULT '',
  merged_ids Array(String) DEFAULT [],
  email String,
  phone String,
  external_id String,
  first_name String,
  last_name String,
  company_id String,
  lifecycle_stage LowCardinality(String),
  source LowCardinality(String),
  properties String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_identities (
  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value String,
  contact_id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  source LowCardinality(String),
  created_at DateTime64(3, 'UTC'),
  INDEX idx_contact contact_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, kind, value);

CREATE TABLE IF NOT EXISTS crm_suppressions (
  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value_sha256 String,
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, kind, value_sha256);

CREATE TABLE IF NOT EXISTS crm_companies (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  name String,
  domain String,
  properties String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_pipelines (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  name String,
  display_order UInt32,
  stages String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_deals (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  name String,
  pipeline_id String,
  stage_id String,
  status LowCardinality(String),
  probability Float64,
  amount_minor Int64,
  currency LowCardinality(String),
  contact_id String,
  company_id String,
  expected_close_date Nullable(Date),
  closed_at Nullable(DateTime64(3, 'UTC')),
  lost_reason String,
  properties String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_notes (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  body String CODEC(ZSTD(3)),
  contact_id String,
  company_id String,
  deal_id String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_property_definitions (
  tenant_id LowCardinality(String),
  object LowCardinality(String),
  name String,
  label String,
  type LowCardinality(String),
  options Array(String),
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, object, name);

CREATE TABLE IF NOT EXISTS crm_changes (
  tenant_id LowCardinality(String),
  at DateTime64(3, 'UTC'),
  id String,
  actor String,
  action LowCardinality(String),
  object LowCardinality(String),
  object_id String,
  contact_id String,
  changes String CODEC(ZSTD(3)),
  request_id String,
  retention_days UInt16
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, contact_id, at, id)
TTL toDateTime(at) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS crm_event_links (
  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value String,
  message_id String,
  timestamp DateTime64(3, 'UTC'),
  retention_days UInt16
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, kind, value, message_id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS crm_scores (
  tenant_id LowCardinality(String),
  contact_id String,
  version UInt64,
  state String,
  fit Float64,
  engagement Float64,
  total Float64,
  hot UInt8,
  computed_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, contact_id);

CREATE TABLE IF NOT EXISTS crm_settings (
  tenant_id LowCardinality(String),
  name LowCardinality(String),
  version UInt64,
  value String,
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, name);

CREATE TABLE IF NOT EXISTS crm_segments (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  name String,
  filter String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_webhooks (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  url String,
  secret String,
  events Array(LowCardinality(String)),
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_webhook_deliveries (
  tenant_id LowCardinality(String),
  at DateTime64(3, 'UTC'),
  webhook_id String,
  delivery_id String,
  event LowCardinality(String),
  attempt UInt8,
  status UInt16,
  error String
)
ENGINE = MergeTree
ORDER BY (tenant_id, at)
TTL toDateTime(at) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS crm_api_keys (
  tenant_id LowCardinality(String),
  key_sha256 String,
  id String,
  prefix String,
  name String,
  scopes Array(LowCardinality(String)),
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  created_by String,
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, key_sha256);

CREATE TABLE IF NOT EXISTS crm_idempotency (
  tenant_id LowCardinality(String),
  key String,
  request_sha256 String,
  status UInt16,
  body String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, key)
TTL toDateTime(created_at) + INTERVAL 1 DAY;

ALTER TABLE events ADD INDEX IF NOT EXISTS idx_crm_visitor (anonymous_id, user_id) TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE events MATERIALIZE INDEX idx_crm_visitor SETTINGS mutations_sync = 0;

CREATE TABLE IF NOT EXISTS crm_webhook_retries (
  tenant_id LowCardinality(String),
  delivery_id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  webhook_id String,
  event LowCardinality(String),
  body String,
  attempt UInt8,
  next_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (tenant_id, delivery_id)
TTL toDateTime(next_at) + INTERVAL 2 DAY;

CREATE TABLE IF NOT EXISTS heatmap_clicks (
  tenant_id LowCardinality(String),
  site_id LowCardinality(String),
  url String,
  device LowCardinality(String),
  timestamp DateTime64(3, 'UTC'),
  message_id String,
  idx UInt16,
  x Int32,
  y Int32,
  w UInt32,
  selector String CODEC(ZSTD(3)),
  ox Float32,
  oy Float32,
  page_height UInt32,
  bot UInt8,
  retention_days UInt16
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, url, device, toDate(timestamp), cityHash64(message_id), idx)
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE MATERIALIZED VIEW IF NOT EXISTS `heatmap_clicks_mv` TO `heatmap_clicks`
AS SELECT tenant_id, site_id, page_url AS url,
  multiIf(w < 768, 'mobile', w < 1024, 'tablet', 'desktop') AS device,
  timestamp, message_id, toUInt16(n) AS idx,
  toInt32(least(greatest(JSONExtractFloat(point, 'x'), -1000000), 1000000)) AS x,
  toInt32(least(greatest(JSONExtractFloat(point, 'y'), -1000000), 1000000)) AS y,
  toUInt32(least(greatest(JSONExtractFloat(point, 'w'), 0), 100000)) AS w,
  JSONExtractString(point, 's') AS selector,
  toFloat32(least(greatest(JSONExtractFloat(point, 'ox'), 0), 1)) AS ox,
  toFloat32(least(greatest(JSONExtractFloat(point, 'oy'), 0), 1)) AS oy,
  toUInt32(least(greatest(JSONExtractFloat(properties, 'pageHeight'), 0), 1000000)) AS page_height,
  bot, retention_days
FROM (
  SELECT tenant_id, site_id, cutQueryStringAndFragment(url) AS page_url, timestamp, message_id, properties, bot, retention_days,
    JSONExtractArrayRaw(properties, 'points') AS points
  FROM `events`
  WHERE type = 'track' AND event = '$heatmap'
)
ARRAY JOIN points AS point, arrayEnumerate(points) AS n;

CREATE TABLE IF NOT EXISTS dashboard_sessions (
  token_sha256 String,
  tenant_id LowCardinality(String),
  role LowCardinality(String),
  key_name String,
  key_sha256 String,
  created_at DateTime64(3, 'UTC'),
  expires_at DateTime64(3, 'UTC'),
  version UInt8,
  is_deleted UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY token_sha256
TTL toDateTime(expires_at);

ALTER TABLE events ADD COLUMN IF NOT EXISTS country LowCardinality(String);

ALTER TABLE events MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1, vertical_merge_algorithm_min_columns_to_activate = 1;

CREATE TABLE IF NOT EXISTS visitor_salts (
  day UInt32,
  salt String,
  offered_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (day, salt)
TTL toDateTime(day * 86400) + INTERVAL 2 DAY;

CREATE TABLE IF NOT EXISTS collector_watermarks (
  collector_id String,
  seen_at DateTime64(3, 'UTC'),
  stored_through DateTime64(3, 'UTC'),
  stopped UInt8
)
ENGINE = ReplacingMergeTree(seen_at)
ORDER BY collector_id
TTL toDateTime(seen_at) + INTERVAL 30 DAY;

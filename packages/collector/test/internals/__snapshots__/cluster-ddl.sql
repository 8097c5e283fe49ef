CREATE TABLE IF NOT EXISTS rastro_migrations_local ON CLUSTER `rastro` (
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/rastro_migrations_local', '{replica}')
ORDER BY version;

CREATE TABLE IF NOT EXISTS rastro_migrations ON CLUSTER `rastro` AS rastro_migrations_local
ENGINE = Distributed(`rastro`, currentDatabase(), rastro_migrations_local, version);

CREATE TABLE IF NOT EXISTS events_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/events_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, toDate(timestamp), type, event, cityHash64(message_id))
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS events ON CLUSTER `rastro` AS events_local
ENGINE = Distributed(`rastro`, currentDatabase(), events_local, cityHash64(if(anonymous_id = '', user_id, anonymous_id)));

CREATE TABLE IF NOT EXISTS telemetry_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/telemetry_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, metric, device_id, boot_id, seq)
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS telemetry ON CLUSTER `rastro` AS telemetry_local
ENGINE = Distributed(`rastro`, currentDatabase(), telemetry_local, cityHash64(device_id));

CREATE TABLE IF NOT EXISTS device_seq_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  device_id String,
  boot_id UInt32,
  seq_first UInt32,
  seq_last UInt32,
  received_at DateTime64(3, 'UTC'),
  retention_days UInt16
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/device_seq_local', '{replica}')
ORDER BY (tenant_id, device_id, boot_id, seq_first)
TTL toDateTime(received_at) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS device_seq ON CLUSTER `rastro` AS device_seq_local
ENGINE = Distributed(`rastro`, currentDatabase(), device_seq_local, cityHash64(device_id));

CREATE TABLE IF NOT EXISTS forward_log_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/forward_log_local', '{replica}')
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, destination, at)
TTL toDateTime(at) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS forward_log ON CLUSTER `rastro` AS forward_log_local
ENGINE = Distributed(`rastro`, currentDatabase(), forward_log_local, cityHash64(event_id));

CREATE TABLE IF NOT EXISTS forward_ledger_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  state LowCardinality(String),
  attempts UInt16,
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/forward_ledger_local', '{replica}', updated_at)
ORDER BY (tenant_id, destination, event_id)
TTL toDateTime(updated_at) + INTERVAL 35 DAY;

CREATE TABLE IF NOT EXISTS forward_ledger ON CLUSTER `rastro` AS forward_ledger_local
ENGINE = Distributed(`rastro`, currentDatabase(), forward_ledger_local, cityHash64(event_id));

CREATE TABLE IF NOT EXISTS forward_retries_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/forward_retries_local', '{replica}', updated_at)
ORDER BY (tenant_id, destination, event_id)
TTL toDateTime(event_time) + INTERVAL 8 DAY;

CREATE TABLE IF NOT EXISTS forward_retries ON CLUSTER `rastro` AS forward_retries_local
ENGINE = Distributed(`rastro`, currentDatabase(), forward_retries_local, cityHash64(event_id));

CREATE TABLE IF NOT EXISTS forward_dead_letters_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/forward_dead_letters_local', '{replica}', dead_at)
PARTITION BY toYYYYMM(dead_at)
ORDER BY (tenant_id, destination, event_id)
TTL toDateTime(dead_at) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS forward_dead_letters ON CLUSTER `rastro` AS forward_dead_letters_local
ENGINE = Distributed(`rastro`, currentDatabase(), forward_dead_letters_local, cityHash64(event_id));

CREATE TABLE IF NOT EXISTS crm_contacts_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_contacts_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_contacts ON CLUSTER `rastro` AS crm_contacts_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_contacts_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_identities_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_identities_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, kind, value);

CREATE TABLE IF NOT EXISTS crm_identities ON CLUSTER `rastro` AS crm_identities_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_identities_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_suppressions_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value_sha256 String,
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_suppressions_local', '{replica}')
ORDER BY (tenant_id, kind, value_sha256);

CREATE TABLE IF NOT EXISTS crm_suppressions ON CLUSTER `rastro` AS crm_suppressions_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_suppressions_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_companies_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_companies_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_companies ON CLUSTER `rastro` AS crm_companies_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_companies_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_pipelines_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_pipelines_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_pipelines ON CLUSTER `rastro` AS crm_pipelines_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_pipelines_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_deals_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_deals_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_deals ON CLUSTER `rastro` AS crm_deals_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_deals_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_notes_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_notes_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_notes ON CLUSTER `rastro` AS crm_notes_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_notes_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_property_definitions_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_property_definitions_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, object, name);

CREATE TABLE IF NOT EXISTS crm_property_definitions ON CLUSTER `rastro` AS crm_property_definitions_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_property_definitions_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_changes_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/crm_changes_local', '{replica}')
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, contact_id, at, id)
TTL toDateTime(at) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS crm_changes ON CLUSTER `rastro` AS crm_changes_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_changes_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_event_links_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value String,
  message_id String,
  timestamp DateTime64(3, 'UTC'),
  retention_days UInt16
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_event_links_local', '{replica}')
ORDER BY (tenant_id, kind, value, message_id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS crm_event_links ON CLUSTER `rastro` AS crm_event_links_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_event_links_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_scores_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_scores_local', '{replica}', version)
ORDER BY (tenant_id, contact_id);

CREATE TABLE IF NOT EXISTS crm_scores ON CLUSTER `rastro` AS crm_scores_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_scores_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_settings_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  name LowCardinality(String),
  version UInt64,
  value String,
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_settings_local', '{replica}', version)
ORDER BY (tenant_id, name);

CREATE TABLE IF NOT EXISTS crm_settings ON CLUSTER `rastro` AS crm_settings_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_settings_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_segments_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  name String,
  filter String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_segments_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_segments ON CLUSTER `rastro` AS crm_segments_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_segments_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_webhooks_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  url String,
  secret String,
  events Array(LowCardinality(String)),
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_webhooks_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, id);

CREATE TABLE IF NOT EXISTS crm_webhooks ON CLUSTER `rastro` AS crm_webhooks_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_webhooks_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_webhook_deliveries_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  at DateTime64(3, 'UTC'),
  webhook_id String,
  delivery_id String,
  event LowCardinality(String),
  attempt UInt8,
  status UInt16,
  error String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/crm_webhook_deliveries_local', '{replica}')
ORDER BY (tenant_id, at)
TTL toDateTime(at) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS crm_webhook_deliveries ON CLUSTER `rastro` AS crm_webhook_deliveries_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_webhook_deliveries_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_api_keys_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_api_keys_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, key_sha256);

CREATE TABLE IF NOT EXISTS crm_api_keys ON CLUSTER `rastro` AS crm_api_keys_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_api_keys_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS crm_idempotency_local ON CLUSTER `rastro` (
  tenant_id LowCardinality(String),
  key String,
  request_sha256 String,
  status UInt16,
  body String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_idempotency_local', '{replica}')
ORDER BY (tenant_id, key)
TTL toDateTime(created_at) + INTERVAL 1 DAY;

CREATE TABLE IF NOT EXISTS crm_idempotency ON CLUSTER `rastro` AS crm_idempotency_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_idempotency_local, cityHash64(tenant_id));

ALTER TABLE events_local ON CLUSTER `rastro` ADD INDEX IF NOT EXISTS idx_crm_visitor (anonymous_id, user_id) TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE events_local ON CLUSTER `rastro` MATERIALIZE INDEX idx_crm_visitor SETTINGS mutations_sync = 0;

CREATE TABLE IF NOT EXISTS crm_webhook_retries_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/crm_webhook_retries_local', '{replica}', version, is_deleted)
ORDER BY (tenant_id, delivery_id)
TTL toDateTime(next_at) + INTERVAL 2 DAY;

CREATE TABLE IF NOT EXISTS crm_webhook_retries ON CLUSTER `rastro` AS crm_webhook_retries_local
ENGINE = Distributed(`rastro`, currentDatabase(), crm_webhook_retries_local, cityHash64(tenant_id));

CREATE TABLE IF NOT EXISTS heatmap_clicks_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/heatmap_clicks_local', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (tenant_id, url, device, toDate(timestamp), cityHash64(message_id), idx)
TTL toDateTime(timestamp) + toIntervalDay(retention_days);

CREATE TABLE IF NOT EXISTS heatmap_clicks ON CLUSTER `rastro` AS heatmap_clicks_local
ENGINE = Distributed(`rastro`, currentDatabase(), heatmap_clicks_local, cityHash64(message_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS `heatmap_clicks_mv` ON CLUSTER `rastro` TO `heatmap_clicks_local`
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
  FROM `events_local`
  WHERE type = 'track' AND event = '$heatmap'
)
ARRAY JOIN points AS point, arrayEnumerate(points) AS n;

CREATE TABLE IF NOT EXISTS dashboard_sessions_local ON CLUSTER `rastro` (
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/dashboard_sessions_local', '{replica}', version, is_deleted)
ORDER BY token_sha256
TTL toDateTime(expires_at);

CREATE TABLE IF NOT EXISTS dashboard_sessions ON CLUSTER `rastro` AS dashboard_sessions_local
ENGINE = Distributed(`rastro`, currentDatabase(), dashboard_sessions_local, cityHash64(token_sha256));

ALTER TABLE events_local ON CLUSTER `rastro` ADD COLUMN IF NOT EXISTS country LowCardinality(String);

ALTER TABLE events ON CLUSTER `rastro` ADD COLUMN IF NOT EXISTS country LowCardinality(String);

ALTER TABLE events_local ON CLUSTER `rastro` MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1, vertical_merge_algorithm_min_columns_to_activate = 1;

CREATE TABLE IF NOT EXISTS visitor_salts_local ON CLUSTER `rastro` (
  day UInt32,
  salt String,
  offered_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/visitor_salts_local', '{replica}')
ORDER BY (day, salt)
TTL toDateTime(day * 86400) + INTERVAL 2 DAY;

CREATE TABLE IF NOT EXISTS visitor_salts ON CLUSTER `rastro` AS visitor_salts_local
ENGINE = Distributed(`rastro`, currentDatabase(), visitor_salts_local, day);

CREATE TABLE IF NOT EXISTS collector_watermarks_local ON CLUSTER `rastro` (
  collector_id String,
  seen_at DateTime64(3, 'UTC'),
  stored_through DateTime64(3, 'UTC'),
  stopped UInt8
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/collector_watermarks_local', '{replica}', seen_at)
ORDER BY collector_id
TTL toDateTime(seen_at) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS collector_watermarks ON CLUSTER `rastro` AS collector_watermarks_local
ENGINE = Distributed(`rastro`, currentDatabase(), collector_watermarks_local, cityHash64(collector_id));

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

"""What operators watch: logs as JSON lines (LOG_FORMAT=json) and Prometheus metrics, for every process."""

"""Running the product: start and watch every server (`make run`), health checks."""

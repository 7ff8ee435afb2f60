"""End-to-end pipelines over the library (e.g. the MABe 2022 challenge)."""

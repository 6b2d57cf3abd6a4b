"""Tests of NATS Home."""

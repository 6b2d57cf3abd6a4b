"""Tests of nats_home.client, the project's own NATS client, against real nats-servers."""

"""NATS Home protocol v1: subjects, payload schemas and a device library.

Nothing in this package imports Home Assistant, so the protocol can be tested
alone, used by the device simulator and published as its own library.
"""

PROTOCOL_VERSION = 1

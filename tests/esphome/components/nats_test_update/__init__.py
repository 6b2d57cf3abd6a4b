"""A test-only update platform: an UpdateEntity whose install runs without hardware.

ESPHome's only update platform (http_request) downloads and flashes firmware
over OTA, which the host platform cannot do. This one stands in for it so
the tests can drive the nats component's update platform end to end:
tests/esphome/stand_ins.yaml uses it. Not for devices.
"""

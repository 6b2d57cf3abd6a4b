"""Turn the shared JSON test vectors into C++ data for the component's unit tests.

The C++ side gets no JSON library of its own: Python reads the vectors and
writes plain initializers (tests/esphome/cpp/*.cpp include the result as
vectors.inc), so the C++ tests check the component's parser against exactly
the cases the Python tests use: command.json, subjects.json, expiry.json,
config_settings.json, credentials.json, state_ack.json, every platform's file in
platforms/ and the recorded NATS frames.

A platform's vectors go over as JSON text, so this file knows nothing of any
one platform: each platform's adapter in tests/esphome/cpp/platform_<name>.cpp
reads them with the component's own parser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def c_string(text: str | bytes) -> str:
    """A C++ string literal for any bytes (octal escapes keep it unambiguous)."""
    data = text.encode() if isinstance(text, str) else text
    out = []
    for byte in data:
        char = chr(byte)
        if char in '"\\?':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def std_string(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return f"std::string({c_string(data)}, {len(data)})"


def _number(value: Any) -> str:
    return repr(float(value))


def _integer(value: Any) -> str:
    """A C++ 64-bit integer literal (sent reaches 2^53)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, not {value!r}")
    return f"{value}LL"


def _expiry_step(step: dict[str, Any]) -> str:
    """Initializer for struct ExpiryStep (tests/esphome/cpp/vectors.h)."""
    unknown = set(step) - {"now", "clock", "sent", "ttl", "late", "expect"}
    if unknown:
        raise ValueError(f"expiry.json steps have fields the C++ test does not know: {sorted(unknown)}")
    is_command = "ttl" in step
    if is_command != ("expect" in step) or step.get("expect", "accept") not in ("accept", "refuse"):
        raise ValueError(f"expiry.json step {step!r}: a command has ttl and expect accept or refuse")
    verdict = {"accept": "Verdict::ACCEPT", "refuse": "Verdict::REFUSE"}.get(
        step.get("expect", ""), "Verdict::NONE"
    )
    return (
        f"{{{_integer(step['now'])}, {c_string(step['clock'])}, {_integer(step['sent'])}, "
        f"{_integer(step.get('ttl', 0))}, {_integer(step['late'])}, {verdict}}}"
    )


def _command_expect(expect: dict[str, Any]) -> str:
    """Initializer for struct ExpectCommand (tests/esphome/cpp/vectors.h)."""
    fields = {
        "has_version": "false",
        "version": "0",
        "state": "nullptr",
        "has_brightness": "false",
        "brightness": "0",
        "has_rgb": "false",
        "rgb": "{0, 0, 0}",
        "has_kelvin": "false",
        "kelvin": "0",
        "has_transition": "false",
        "transition": "0.0",
        "press": "false",
        "has_value": "false",
        "value": "0.0",
        "option": "nullptr",
        "clock": "nullptr",
        "sent": "0LL",
        "ttl": "0LL",
    }
    for key, value in expect.items():
        match key:
            case "v":
                fields["has_version"], fields["version"] = "true", str(int(value))
            case "state":
                fields["state"] = c_string(value)
            case "brightness":
                fields["has_brightness"], fields["brightness"] = "true", str(int(value))
            case "rgb":
                fields["has_rgb"] = "true"
                fields["rgb"] = "{" + ", ".join(str(int(c)) for c in value) + "}"
            case "color_temp_kelvin":
                fields["has_kelvin"], fields["kelvin"] = "true", str(int(value))
            case "transition":
                fields["has_transition"], fields["transition"] = "true", _number(value)
            case "action":
                if value != "press":
                    raise ValueError(f"unexpected action {value!r} in command.json")
                fields["press"] = "true"
            case "value":
                fields["has_value"], fields["value"] = "true", _number(value)
            case "option":
                fields["option"] = c_string(value)
            case "clock":
                fields["clock"] = c_string(value)
            case "sent" | "ttl":
                fields[key] = _integer(value)
            case _:
                raise ValueError(
                    f"command.json expects field {key!r} that the C++ test does not know; "
                    "extend ExpectCommand in tests/esphome/cpp/vectors.h"
                )
    return "{" + ", ".join(fields.values()) + "}"


def _json(value: Any) -> str:
    """Compact JSON text as a std::string initializer (payloads may hold U+0000)."""
    return std_string(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


FIRMWARE = Path(__file__).resolve().parents[2] / "esphome_components" / "nats"


def platform_vectors() -> dict[str, dict[str, Any]]:
    """The vectors file of every platform the firmware has, by platform name.

    Platforms ESPHome has no entities for (a vacuum, a scene, ...) have no
    firmware file and so no C++ adapter (docs/esphome.md).
    """
    files = sorted((VECTORS / "platforms").glob("*.json"))
    return {
        path.stem: json.loads(path.read_text())
        for path in files
        if (FIRMWARE / f"nats_platform_{path.stem}.cpp").is_file()
    }


def _platform_command_cases(platform: str, vectors: dict[str, Any]) -> list[str]:
    """Initializers for struct PlatformCommandCase (tests/esphome/cpp/vectors.h)."""
    commands = vectors.get("commands", {})
    lines = [
        f"  {{{c_string(platform)}, {c_string(case['name'])}, {_json(case['payload'])}, true, nullptr, "
        f"{_json(case['command'])}}},"
        for case in commands.get("valid", [])
    ]
    lines.extend(
        f"  {{{c_string(platform)}, {c_string(case['name'])}, {_json(case['payload'])}, false, "
        f"{c_string(case['error'])}, std::string()}},"
        for case in commands.get("invalid", [])
    )
    return lines


def _platform_apply_cases(platform: str, vectors: dict[str, Any]) -> list[str]:
    """Initializers for struct PlatformApplyCase.

    The entity as announced, the command, and the refusal text (nullptr: the
    command is carried out, and the result is the ideal device's state).
    """
    entities = {case["entity"]["id"]: case["entity"] for case in vectors["entities"]["valid"]}
    return [
        f"  {{{c_string(platform)}, {c_string(case['name'])}, {_json(entities[case['entity']])}, "
        f"{_json(case['command'])}, {c_string(case['error']) if 'error' in case else 'nullptr'}, "
        f"{_json(case['result']) if 'result' in case else 'std::string()'}}},"
        for case in vectors.get("apply", [])
        # A refusal only a device that evaluates the text's pattern makes
        # (docs/protocol.md, Text): the firmware does not.
        if not case.get("needs_pattern")
    ]


def _frame_event(event: dict[str, Any]) -> str:
    """The event as the C++ recording listener prints it."""
    op = event["op"]
    match op:
        case "INFO":
            return f"INFO|{event['json']}|{int(event['truncated'])}"
        case "MSG":
            return "|".join(
                [
                    "MSG",
                    event["subject"],
                    str(event["sid"]),
                    event["reply"],
                    event["headers"],
                    event["payload"],
                ]
            )
        case "ERR":
            return f"ERR|{event['text']}"
        case "DROPPED":
            return f"DROPPED|{event['subject']}|{event['size']}"
        case "PING" | "PONG" | "OK":
            return str(op)
    raise ValueError(f"unknown frame event {op!r}")


def _frame_case(case: dict[str, Any], valid: bool) -> str:
    events = ", ".join(std_string(_frame_event(e)) for e in case["events"])
    return (
        f"  {{{c_string(case['name'])}, {int(case['buffer'])}, {std_string(case['raw'])}, "
        f"{'true' if valid else 'false'}, {{{events}}}}},"
    )


def _config_cases(vectors: dict[str, Any]) -> list[str]:
    """Initializers for struct ConfigValueCase: the setting and the decoded value as JSON text."""
    settings = {setting["id"]: setting for setting in vectors["values"]["settings"]}
    lines = []
    for valid in (True, False):
        for case in vectors["values"]["valid" if valid else "invalid"]:
            raw = bytes.fromhex(case["raw_hex"]) if "raw_hex" in case else case["raw"].encode()
            expect = _json(case["expect"]) if valid else "std::string()"
            lines.append(
                f"  {{{c_string(case['name'])}, {_json(settings[case['setting']])}, {std_string(raw)}, "
                f"{'true' if valid else 'false'}, {expect}}},"
            )
    return lines


def _credentials_cases(vectors: dict[str, Any]) -> list[str]:
    """Initializers for struct CredentialsCase."""
    known = {"name", "raw", "expect", "too_long", "signature_only"}
    lines = []
    for valid in (True, False):
        for case in vectors["valid" if valid else "invalid"]:
            if set(case) - known:
                raise ValueError(
                    f"credentials.json case has fields the C++ test does not know: {sorted(case)}"
                )
            expect = case.get("expect", {})
            exp = expect.get("exp")
            lines.append(
                f"  {{{c_string(case['name'])}, {std_string(case['raw'])}, {'true' if valid else 'false'}, "
                f"{_integer(expect.get('iat', 0))}, {'false' if exp is None else 'true'}, "
                f"{_integer(exp or 0)}, {'true' if case.get('too_long') else 'false'}, "
                f"{'true' if case.get('signature_only') else 'false'}}},"
            )
    return lines


def _header_block(headers: dict[str, str]) -> str:
    """A NATS/1.0 header block as the server sends it."""
    return "NATS/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"


def generate() -> str:
    """C++ source for vectors.inc."""
    commands = json.loads((VECTORS / "command.json").read_text())
    subjects = json.loads((VECTORS / "subjects.json").read_text())
    frames = json.loads((VECTORS / "nats_frames" / "frames.json").read_text())
    expiry = json.loads((VECTORS / "expiry.json").read_text())
    config = json.loads((VECTORS / "config_settings.json").read_text())
    credentials = json.loads((VECTORS / "credentials.json").read_text())
    state_ack = json.loads((VECTORS / "state_ack.json").read_text())

    lines = ["// Generated by tests/esphome/cpp_vectors.py from tests/vectors; do not edit.", ""]
    lines.append("static const CommandCase COMMAND_CASES[] = {")
    lines.extend(
        f"  {{{c_string(case['name'])}, {c_string(case['platform'])}, {std_string(case['raw'])}, "
        f"true, {_command_expect(case['expect'])}}},"
        for case in commands["valid"]
    )
    lines.extend(
        f"  {{{c_string(case['name'])}, {c_string(case['platform'])}, {std_string(case['raw'])}, "
        f"false, {_command_expect({})}}},"
        for case in commands["invalid"]
    )
    lines.append("};")
    lines.append("")
    lines.append("static const StateAckCase STATE_ACK_CASES[] = {")
    lines.extend(
        f"  {{{c_string(case['name'])}, {std_string(case['headers'])}, {std_string(case['reply'])}, "
        f"{str(case['ack']).lower()}}},"
        for case in state_ack["cases"]
    )
    lines.append("};")
    lines.append("")
    lines.append("static const TokenCase TOKEN_CASES[] = {")
    lines.extend(f"  {{{std_string(token)}, true}}," for token in subjects["valid_tokens"])
    lines.extend(f"  {{{std_string(token)}, false}}," for token in subjects["invalid_tokens"])
    lines.append("};")
    lines.append("")
    lines.append("static const ExpiryScenario EXPIRY_SCENARIOS[] = {")
    lines.extend(
        f"  {{{c_string(scenario['name'])}, {{{', '.join(_expiry_step(s) for s in scenario['steps'])}}}}},"
        for scenario in expiry["scenarios"]
    )
    lines.append("};")
    lines.append("")
    platforms = platform_vectors()
    lines.append("static const char *const VECTOR_PLATFORMS[] = {")
    lines.extend(f"  {c_string(platform)}," for platform in platforms)
    lines.append("};")
    lines.append("")
    lines.append("static const std::vector<PlatformCommandCase> PLATFORM_COMMAND_CASES = {")
    for platform, vectors in platforms.items():
        lines.extend(_platform_command_cases(platform, vectors))
    lines.append("};")
    lines.append("")
    lines.append("static const std::vector<PlatformApplyCase> PLATFORM_APPLY_CASES = {")
    for platform, vectors in platforms.items():
        lines.extend(_platform_apply_cases(platform, vectors))
    lines.append("};")
    lines.append("")
    lines.append("static const ConfigValueCase CONFIG_VALUE_CASES[] = {")
    lines.extend(_config_cases(config))
    lines.append("};")
    lines.append("")
    lines.append("static const ConfigBucketCase CONFIG_BUCKET_CASES[] = {")
    lines.extend(
        f"  {{{c_string(case['prefix'])}, {c_string(case['bucket'])}}}," for case in config["bucket_names"]
    )
    lines.append("};")
    lines.append("")
    lines.append("static const ConfigDeletedCase CONFIG_DELETED_CASES[] = {")
    lines.extend(
        f"  {{{std_string(_header_block(case['headers']))}, {'true' if case['deleted'] else 'false'}}},"
        for case in config["deleted"]
    )
    lines.append("};")
    lines.append("")
    lines.append(
        f"static const char *const CREDENTIALS_DEVICE_SEED = {c_string(credentials['device_seed'])};"
    )
    lines.append(
        f"static const char *const CREDENTIALS_DEVICE_PUBLIC = {c_string(credentials['device_public'])};"
    )
    lines.append(f"static const long long CREDENTIALS_NOW = {_integer(credentials['now'])};")
    lines.append(f"static const size_t CREDENTIALS_MAX_JWT_LEN = {int(credentials['max_jwt_len'])};")
    lines.append("static const CredentialsCase CREDENTIALS_CASES[] = {")
    lines.extend(_credentials_cases(credentials))
    lines.append("};")
    lines.append("")
    lines.append("static const FrameCase FRAME_CASES[] = {")
    lines.extend(_frame_case(case, True) for case in frames["valid"])
    lines.extend(_frame_case(case, False) for case in frames["invalid"])
    lines.append("};")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(generate())

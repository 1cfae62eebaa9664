"""Binary media types and contentHandling, per AWS's "Content type conversions in API Gateway" tables."""

from __future__ import annotations

import base64

import pytest

from tollway.dataplane.mapping.binary import BinaryTypes, convert_request_body, convert_response_body
from tollway.errors import ApiConfigurationError

PNG = b"\x89PNG\r\n\x1a\n\x00\xff"
PNG_B64 = base64.b64encode(PNG)  # b"iVBORw0KGgoA/w=="
IMAGES = BinaryTypes(["image/png", "application/octet-stream"])
NONE = BinaryTypes([])


@pytest.mark.parametrize(
    ("configured", "content_type", "expected"),
    [
        (["image/png"], "image/png", True),
        (["image/png"], "IMAGE/PNG; charset=binary", True),
        (["image/png"], "image/jpeg", False),
        (["image/*"], "image/webp", True),
        (["image/*"], "application/pdf", False),
        (["*/*"], "application/json", True),
        (["image~1png"], "image/png", True),
        (["image/png"], "image/webp,image/*,*/*;q=0.8", False),
        (["image/webp"], "image/webp,image/*,*/*;q=0.8", True),
        (["image/png"], "*/*", False),
        (["*/*"], None, False),
        ([], "image/png", False),
    ],
)
def test_is_binary_honours_wildcards_and_ignores_parameters(
    configured: list[str], content_type: str | None, expected: bool
) -> None:
    """Wildcards live in binaryMediaTypes only; only the first Accept media type counts."""
    assert BinaryTypes(configured).is_binary(content_type) is expected


# Request table: (payload, Content-Type, binaryMediaTypes, contentHandling) -> integration request payload.
REQUEST_CELLS = [
    ("text, no binary types, unset: UTF-8 string", b'{"a":1}', "application/json", NONE, None, b'{"a":1}'),
    (
        "text, no binary types, CONVERT_TO_BINARY: base64-decoded",
        PNG_B64,
        "text/plain",
        NONE,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "text, no binary types, CONVERT_TO_TEXT: UTF-8 string",
        b"h\xc3\xa9",
        "text/plain",
        NONE,
        "CONVERT_TO_TEXT",
        b"h\xc3\xa9",
    ),
    ("text, binary types set, unset: text", b"hello", "text/plain", IMAGES, None, b"hello"),
    (
        "text, binary types set, CONVERT_TO_BINARY: base64-decoded",
        PNG_B64,
        "text/plain",
        IMAGES,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "text, binary types set, CONVERT_TO_TEXT: text",
        b"hello",
        "text/plain",
        IMAGES,
        "CONVERT_TO_TEXT",
        b"hello",
    ),
    ("binary, unset: binary", PNG, "image/png", IMAGES, None, PNG),
    ("binary, CONVERT_TO_BINARY: binary", PNG, "image/png", IMAGES, "CONVERT_TO_BINARY", PNG),
    ("binary, CONVERT_TO_TEXT: base64-encoded", PNG, "image/png", IMAGES, "CONVERT_TO_TEXT", PNG_B64),
]


@pytest.mark.parametrize(
    ("body", "content_type", "binary", "handling", "expected"),
    [cell[1:] for cell in REQUEST_CELLS],
    ids=[cell[0] for cell in REQUEST_CELLS],
)
def test_request_conversion_matrix(
    body: bytes, content_type: str, binary: BinaryTypes, handling: str | None, expected: bytes
) -> None:
    payload, _ = convert_request_body(body, content_type, binary, handling)
    assert payload == expected


def test_request_text_form_is_what_templates_see() -> None:
    """AWS: after CONVERT_TO_TEXT a template sees the base64 string through $input.body."""
    assert convert_request_body(PNG, "image/png", IMAGES, "CONVERT_TO_TEXT")[1] == PNG_B64.decode()
    assert convert_request_body(b'{"a":"\xc3\xa9"}', None, NONE, None)[1] == '{"a":"é"}'


def test_request_without_content_type_counts_as_json() -> None:
    """AWS treats a payload with no Content-Type as application/json, so */* makes it binary."""
    assert convert_request_body(PNG, None, BinaryTypes(["*/*"]), "CONVERT_TO_TEXT")[0] == PNG_B64
    assert convert_request_body(PNG_B64, None, IMAGES, "CONVERT_TO_BINARY")[0] == PNG


def test_request_invalid_base64_is_an_api_configuration_error() -> None:
    """AWS: a failed base64 decode answers 500 (API_CONFIGURATION_ERROR)."""
    with pytest.raises(ApiConfigurationError) as caught:
        convert_request_body(b"not base64!", "text/plain", IMAGES, "CONVERT_TO_BINARY")
    assert caught.value.status_code == 500
    assert caught.value.message == "Internal server error"


def test_request_text_with_invalid_utf8_is_read_as_utf8() -> None:
    payload, text = convert_request_body(b"caf\xe9", "text/plain", NONE, None)
    assert (payload, text) == ("caf\ufffd".encode(), "caf\ufffd")


# Response table: (payload, Accept, binaryMediaTypes, contentHandling) -> method response payload.
# "text" payloads are sent with Content-Type application/json, "binary" ones with image/png.
RESPONSE_CELLS = [
    (
        "text, text Accept, no binary types, unset: UTF-8 string",
        b'{"a":1}',
        "application/json",
        "text/html",
        NONE,
        None,
        b'{"a":1}',
    ),
    (
        "text, text Accept, no binary types, CONVERT_TO_BINARY: base64-decoded",
        PNG_B64,
        "text/plain",
        "text/html",
        NONE,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "text, text Accept, no binary types, CONVERT_TO_TEXT: UTF-8 string",
        b"hi",
        "text/plain",
        "text/html",
        NONE,
        "CONVERT_TO_TEXT",
        b"hi",
    ),
    (
        "binary, text Accept, no binary types, unset: UTF-8 string",
        PNG,
        "image/png",
        "image/png",
        NONE,
        None,
        b"\xef\xbf\xbdPNG\r\n\x1a\n\x00\xef\xbf\xbd",
    ),
    (
        "text, text Accept, set, unset: text",
        b'{"a":1}',
        "application/json",
        "application/json",
        IMAGES,
        None,
        b'{"a":1}',
    ),
    (
        "text, text Accept, set, CONVERT_TO_BINARY: base64-decoded",
        PNG_B64,
        "application/json",
        "application/json",
        IMAGES,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "text, text Accept, set, CONVERT_TO_TEXT: text",
        b"hi",
        "text/plain",
        "text/plain",
        IMAGES,
        "CONVERT_TO_TEXT",
        b"hi",
    ),
    (
        "text, binary Accept, set, unset: base64-decoded",
        PNG_B64,
        "application/json",
        "image/png",
        IMAGES,
        None,
        PNG,
    ),
    (
        "text, binary Accept, set, CONVERT_TO_BINARY: base64-decoded",
        PNG_B64,
        "text/plain",
        "image/png",
        IMAGES,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "text, binary Accept, set, CONVERT_TO_TEXT: text",
        PNG_B64,
        "text/plain",
        "image/png",
        IMAGES,
        "CONVERT_TO_TEXT",
        PNG_B64,
    ),
    (
        "binary, text Accept, set, unset: base64-encoded",
        PNG,
        "image/png",
        "application/json",
        IMAGES,
        None,
        PNG_B64,
    ),
    (
        "binary, text Accept, set, CONVERT_TO_BINARY: binary",
        PNG,
        "image/png",
        "application/json",
        IMAGES,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "binary, text Accept, set, CONVERT_TO_TEXT: base64-encoded",
        PNG,
        "image/png",
        "text/html",
        IMAGES,
        "CONVERT_TO_TEXT",
        PNG_B64,
    ),
    ("binary, binary Accept, set, unset: binary", PNG, "image/png", "image/png", IMAGES, None, PNG),
    (
        "binary, binary Accept, set, CONVERT_TO_BINARY: binary",
        PNG,
        "image/png",
        "image/png",
        IMAGES,
        "CONVERT_TO_BINARY",
        PNG,
    ),
    (
        "binary, binary Accept, set, CONVERT_TO_TEXT: base64-encoded",
        PNG,
        "image/png",
        "image/png",
        IMAGES,
        "CONVERT_TO_TEXT",
        PNG_B64,
    ),
]


@pytest.mark.parametrize(
    ("body", "content_type", "accept", "binary", "handling", "expected"),
    [cell[1:] for cell in RESPONSE_CELLS],
    ids=[cell[0] for cell in RESPONSE_CELLS],
)
def test_response_conversion_matrix(
    body: bytes, content_type: str, accept: str, binary: BinaryTypes, handling: str | None, expected: bytes
) -> None:
    result = convert_response_body(
        body,
        accept=accept,
        response_content_type=content_type,
        binary=binary,
        content_handling=handling,
        proxy=False,
    )
    assert result == expected


def test_response_only_first_accept_type_decides() -> None:
    """AWS honours only the first Accept media type: image/png later in the list does not count."""

    def answer(accept: str) -> bytes:
        return convert_response_body(
            PNG,
            accept=accept,
            response_content_type="image/png",
            binary=IMAGES,
            content_handling=None,
            proxy=False,
        )

    assert answer("text/html,image/png;q=0.9") == PNG_B64
    assert answer("image/png,text/html") == PNG


def test_response_text_to_binary_client_with_invalid_base64_is_500() -> None:
    """AWS: a text response sent to a binary Accept with no contentHandling must be base64, else 500."""
    with pytest.raises(ApiConfigurationError) as caught:
        convert_response_body(
            b'{"not":"base64"}',
            accept="image/png",
            response_content_type="application/json",
            binary=IMAGES,
            content_handling=None,
            proxy=False,
        )
    assert caught.value.status_code == 500


def test_http_proxy_passes_bytes_through() -> None:
    result = convert_response_body(
        PNG,
        accept="text/html",
        response_content_type="image/png",
        binary=NONE,
        content_handling=None,
        proxy=True,
    )
    assert result == PNG

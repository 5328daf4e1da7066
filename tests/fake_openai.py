"""A fake hosted provider: an HTTP server speaking the OpenAI chat-completions and
embeddings protocols.

Hosted providers cannot run here, so tests of rate limits, outages, slow first
tokens, error events mid-stream, refused inputs and what is sent out use this server.
It is a real server on loopback that the real ``openai`` client talks to; nothing in
the code under test is patched. Each request takes the next scripted behaviour and is recorded.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    text: str = ""  # streamed in small deltas when status is 200
    delay_s: float = 0.0  # before the first byte
    chunk: int = 8  # characters per delta
    error_after: int | None = None  # deltas sent before an error event ends the stream
    # Faults of a broken server or network, each after this many deltas:
    cut_after: int | None = None  # the connection drops (no end of stream)
    garbage_after: int | None = None  # an event that is not JSON
    stall_after: int | None = None  # nothing more is sent for ``stall_s``
    stall_s: float = 0.0
    pace_s: float = 0.0  # between deltas: a model that writes slowly


@dataclass
class FakeOpenAI:
    replies: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=lambda: Reply(text="NOT_FOUND"))
    requests: list[dict] = field(default_factory=list)
    # Embeddings: inputs holding one of these words are refused with HTTP 400, as a hosted
    # provider's content filter does.
    refuse_words: set[str] = field(default_factory=set)
    embedding_dim: int = 64
    # Streams the client closed before their end (a reader who stopped the answer).
    abandoned: int = 0

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = json.dumps(
                    {"object": "list", "data": [{"id": "fake-model", "object": "model"}]}
                ).encode()
                self._send(200, body, "application/json")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(payload)
                if self.path.endswith("/embeddings"):
                    self._embeddings(payload)
                    return
                reply = fake.replies.popleft() if fake.replies else fake.default
                time.sleep(reply.delay_s)
                if reply.status != 200:
                    err = {"error": {"message": f"fake {reply.status}", "type": "fake"}}
                    self._send(reply.status, json.dumps(err).encode(), "application/json")
                    return
                if not payload.get("stream"):
                    body = {
                        "id": "x", "object": "chat.completion", "created": 0,
                        "model": payload.get("model", "fake-model"),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": reply.text}}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    }  # fmt: skip
                    self._send(200, json.dumps(body).encode(), "application/json")
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                try:
                    self._stream(payload, reply)
                except (BrokenPipeError, ConnectionResetError):
                    fake.abandoned += 1

            def _stream(self, payload: dict, reply: Reply) -> None:
                for k, i in enumerate(range(0, len(reply.text), reply.chunk)):
                    time.sleep(reply.pace_s)
                    if k == reply.error_after:
                        err = {"error": {"message": "fake overloaded", "type": "server_error"}}
                        self._chunk(f"data: {json.dumps(err)}\n\n")
                        self._chunk("")
                        return
                    if k == reply.cut_after:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if k == reply.garbage_after:
                        self._chunk('data: {"choices": [{"delta": {"content": "tru\n\n')
                    if k == reply.stall_after:
                        time.sleep(reply.stall_s)
                    self._event(payload, {"content": reply.text[i : i + reply.chunk]}, None)
                self._event(payload, {}, "stop")
                usage = {"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333}
                last = {"id": "x", "object": "chat.completion.chunk", "created": 0,
                        "model": "fake-model", "choices": [], "usage": usage}  # fmt: skip
                self._chunk(f"data: {json.dumps(last)}\n\n")
                self._chunk("data: [DONE]\n\n")
                self._chunk("")

            def _embeddings(self, payload: dict) -> None:
                inputs = (
                    payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
                )
                refused = [t for t in inputs if fake.refuse_words & set(_words(t))]
                if refused:
                    err = {"error": {"message": "fake: input refused by the content filter",
                                     "type": "invalid_request_error"}}  # fmt: skip
                    self._send(400, json.dumps(err).encode(), "application/json")
                    return
                data = [
                    {"object": "embedding", "index": i, "embedding": fake.embed(t)}
                    for i, t in enumerate(inputs)
                ]
                body = {"object": "list", "data": data, "model": payload.get("model"),
                        "usage": {"prompt_tokens": 1, "total_tokens": 1}}  # fmt: skip
                self._send(200, json.dumps(body).encode(), "application/json")

            def _event(self, payload: dict, delta: dict, finish: str | None) -> None:
                chunk = {
                    "id": "x", "object": "chat.completion.chunk", "created": 0,
                    "model": payload.get("model", "fake-model"),
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }  # fmt: skip
                self._chunk(f"data: {json.dumps(chunk)}\n\n")

            def _chunk(self, text: str) -> None:
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def embed(self, text: str) -> list[float]:
        """A hashed bag of words: texts sharing words are close, as with a real model."""
        vector = [0.0] * self.embedding_dim
        vector[0] = 0.01  # never the zero vector
        for word in _words(text):
            vector[1 + zlib.crc32(word.encode()) % (self.embedding_dim - 1)] += 1.0
        return vector

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())

"""A minimal Chrome DevTools Protocol client with the standard library only.

Enough for the browser tests to drive the classroom page as a person would
(mouse strokes on the canvas, clicks on buttons) and to read the page back:
``Browser`` starts headless Chromium with ``--remote-debugging-port=0``,
finds the page target over HTTP, and speaks the protocol over a WebSocket
(RFC 6455: the client masks its frames, the server does not).
"""
import base64
import json
import os
import socket
import struct
import subprocess
import time
import urllib.request
from urllib.parse import urlsplit


class WebSocket:
    """A blocking text WebSocket client (no extensions, no TLS)."""

    def __init__(self, url, timeout=60):
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port),
                                             timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        request = ("GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: {}\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n").format(
                       parts.path, parts.hostname, parts.port, key)
        self.sock.sendall(request.encode("ascii"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("WebSocket handshake: connection closed")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError("WebSocket handshake: {!r}".format(status))

    def _exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("WebSocket closed")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode("utf-8")
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            header = struct.pack(">BB", 0x81, 0x80 | size)
        elif size < 1 << 16:
            header = struct.pack(">BBH", 0x81, 0x80 | 126, size)
        else:
            header = struct.pack(">BBQ", 0x81, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self):
        """Return the next text message (fragments joined)."""
        message = b""
        while True:
            first, second = self._exactly(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._exactly(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._exactly(8))[0]
            mask = self._exactly(4) if second & 0x80 else None
            payload = self._exactly(size)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("WebSocket closed by the browser")
            if opcode in (0x9, 0xA):   # ping/pong: not used by DevTools
                continue
            message += payload
            if first & 0x80:
                return message.decode("utf-8")

    def close(self):
        self.sock.close()


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, binary, profile, width=1280, height=1400,
                 timeout=60):
        self.timeout = timeout
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--remote-debugging-port=0",
             "--remote-allow-origins=*", "--user-data-dir=" + profile,
             "--window-size={},{}".format(width, height), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ws = None
        self._id = 0
        try:
            port = self._port(os.path.join(profile, "DevToolsActivePort"))
            self.ws = WebSocket(self._page_socket(port), timeout)
        except Exception:
            self.close()
            raise

    def _port(self, path):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if os.path.exists(path):
                with open(path) as stream:
                    first = stream.readline().strip()
                if first.isdigit():
                    return int(first)
            if self.process.poll() is not None:
                raise RuntimeError("chromium exited with status {}".format(
                    self.process.returncode))
            time.sleep(0.1)
        raise RuntimeError("chromium wrote no DevToolsActivePort")

    def _page_socket(self, port):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            with urllib.request.urlopen(
                    "http://127.0.0.1:{}/json/list".format(port),
                    timeout=self.timeout) as response:
                targets = json.loads(response.read().decode("utf-8"))
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise RuntimeError("chromium has no page target")

    def call(self, method, **params):
        """Send one command; return its result (events are skipped)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method,
                                 "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError("{}: {}".format(method,
                                                       message["error"]))
                return message.get("result", {})

    def evaluate(self, expression):
        """Return the JSON value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError("{}: {}".format(expression,
                                               result["exceptionDetails"]))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=None):
        """Poll until the expression is truthy; return its value."""
        deadline = time.time() + (timeout or self.timeout)
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("timed out waiting for: " + expression)

    def mouse(self, kind, x, y, buttons=1):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y,
                  button="left", buttons=buttons, clickCount=1)

    def stroke(self, points):
        """Press at the first point, move through the rest, release."""
        self.mouse("mousePressed", *points[0])
        for x, y in points[1:]:
            self.mouse("mouseMoved", x, y)
        self.mouse("mouseReleased", *points[-1], buttons=0)

    def click(self, element_id):
        """Click the middle of an element, scrolled into view, with the mouse."""
        box = self.evaluate(
            "(function () {{ var e = document.getElementById({0});"
            " e.scrollIntoView({{block: 'center'}});"
            " var r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; }})()"
            .format(json.dumps(element_id)))
        self.mouse("mousePressed", box[0], box[1])
        self.mouse("mouseReleased", box[0], box[1], buttons=0)

    def close(self):
        if self.ws is not None:
            self.ws.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

# python3 in the sandbox: subprocess, threading, C extension modules (math,
# json, zlib, hashlib, sqlite3, _ctypes) and ctypes calling into libc.so.6.
# Run as `python3 -I -c "$(cat python_stdlib.py)"`; prints only what is
# the same on every run.
import ctypes
import ctypes.util
import hashlib
import json
import math
import os
import queue
import sqlite3
import subprocess
import sys
import tempfile
import threading
import zlib

import _ctypes

print("python", sys.version_info[0], "ctypes from", os.path.basename(_ctypes.__file__).split(".")[0])

# subprocess
r = subprocess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], capture_output=True, text=True)
print("subprocess.run:", r.returncode, repr(r.stdout), repr(r.stderr))
print("check_output:", subprocess.check_output("echo $((6 * 7))", shell=True, text=True).strip())
p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out, _ = p.communicate(b"x" * 300000)
print("Popen cat: 300000 bytes in,", len(out), "out, status", p.returncode)
p1 = subprocess.Popen(["seq", "1", "1000"], stdout=subprocess.PIPE)
p2 = subprocess.Popen(["wc", "-l"], stdin=p1.stdout, stdout=subprocess.PIPE, text=True)
p1.stdout.close()
print("pipeline seq | wc -l:", p2.communicate()[0].strip(), p1.wait())
try:
    subprocess.run(["sleep", "10"], timeout=0.3)
except subprocess.TimeoutExpired:
    print("subprocess timeout: TimeoutExpired, child killed")
try:
    subprocess.run(["/sbx/no/such/program"])
except FileNotFoundError as e:
    print("missing program:", type(e).__name__, e.errno)
with tempfile.TemporaryDirectory() as d:
    r = subprocess.run(["pwd"], cwd=d, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    print("cwd and env passed:", r.stdout.strip() == os.path.realpath(d))

# threading
counter = 0
lock = threading.Lock()
def add(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1
threads = [threading.Thread(target=add, args=(5000,)) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("8 threads x 5000 locked increments:", counter)
q = queue.Queue()
barrier = threading.Barrier(4)
def worker(i):
    barrier.wait(timeout=20)
    q.put(i * i)
ws = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for w in ws:
    w.start()
for w in ws:
    w.join(timeout=20)
print("barrier and queue:", sorted(q.get(timeout=20) for _ in range(4)))
ev = threading.Event()
threading.Timer(0.05, ev.set).start()
print("Timer sets Event:", ev.wait(timeout=20))
local = threading.local()
local.v = "main"
def tl():
    local.v = "thread"
t = threading.Thread(target=tl)
t.start()
t.join()
print("threading.local:", local.v)

# C extension modules
print("math:", math.sqrt(2), math.gcd(12, 18), math.comb(10, 3), math.factorial(20))
print("json:", json.dumps({"b": [1, 2.5, None, True], "a": "\u00e9"}, sort_keys=True, ensure_ascii=False))
print("json round trip:", json.loads('{"k": [1, {"n": null}]}'))
data = b"sandbox " * 1000
print("zlib:", len(zlib.compress(data, 9)), zlib.decompress(zlib.compress(data)) == data, hex(zlib.crc32(data)))
print("sha256:", hashlib.sha256(b"abc").hexdigest())
print("md5:", hashlib.md5(b"abc").hexdigest())
db = sqlite3.connect(":memory:")
db.execute("create table t (k text primary key, v integer)")
db.executemany("insert into t values (?, ?)", [("a", 1), ("b", 2), ("c", 3)])
print("sqlite3:", sqlite3.sqlite_version_info[0], db.execute("select group_concat(k, ''), sum(v) from t").fetchone())
with tempfile.TemporaryDirectory() as d:
    f = sqlite3.connect(os.path.join(d, "f.db"))
    f.execute("pragma journal_mode=wal")
    f.execute("create table t (x)")
    with f:
        f.executemany("insert into t values (?)", [(i,) for i in range(100)])
    g = sqlite3.connect(os.path.join(d, "f.db"))
    print("sqlite3 file in WAL mode, second connection sees:", g.execute("select count(*), sum(x) from t").fetchone())
    g.close()
    f.close()

# ctypes into libc.so.6
libc = ctypes.CDLL("libc.so.6", use_errno=True)
print("ctypes strlen:", libc.strlen(b"hello sandbox"))
libc.getpid.restype = ctypes.c_int
print("ctypes getpid == os.getpid:", libc.getpid() == os.getpid())
buf = ctypes.create_string_buffer(32)
libc.snprintf(buf, 32, b"%d-%s", 42, b"x")
print("ctypes snprintf:", buf.value)
print("find_library('c'):", ctypes.util.find_library("c"))
# A callback: libffi makes a closure that qsort calls.
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
arr = (ctypes.c_int * 6)(5, 3, 9, 1, 7, 2)
libc.qsort(arr, 6, ctypes.sizeof(ctypes.c_int), CMP(lambda a, b: a[0] - b[0]))
print("ctypes qsort with a Python callback:", list(arr))
libc.close(-1)
print("ctypes errno:", ctypes.get_errno() == 9)
print("done")

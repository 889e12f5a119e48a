# python3's multiprocessing in the sandbox with the fork start method, the
# default one (fork, on Linux with this Python) and spawn (a fresh
# interpreter exec'd, handed its work through pipes): a Pool, a Process
# with a Queue, a shared Value and Lock, exit codes. Run as
# `python3 -I -c "$(cat python_multiprocessing.py)"`. (forkserver talks
# over a Unix socket, which the sandbox does not have yet.)
import math
import multiprocessing as mp
import os
import sys

def child(q, v, lock, code):
    with lock:
        v.value += 10
    q.put(("child", os.getppid() == parent))
    sys.exit(code)

parent = os.getpid()
print("default start method:", mp.get_start_method())
for method in ("fork", None, "spawn"):
    name = method or "default"
    ctx = mp.get_context(method)
    with ctx.Pool(2) as pool:
        print(name, "Pool.map:", pool.map(math.factorial, range(8)))
        print(name, "Pool.apply_async:", pool.apply_async(math.gcd, (84, 36)).get(timeout=30))
    if method != "spawn":
        q = ctx.Queue()
        v = ctx.Value("i", 1)
        lock = ctx.Lock()
        p = ctx.Process(target=child, args=(q, v, lock, 7))
        p.start()
        print(name, "Process via Queue:", q.get(timeout=30))
        p.join(timeout=30)
        print(name, "Process exit code:", p.exitcode, "shared Value:", v.value)
print("done")

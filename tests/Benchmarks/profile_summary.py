#!/usr/bin/env python3
"""Summarises dotnet-trace speedscope files (profile dotnet-sampled-thread-time) as markdown.

Usage: profile_summary.py [--wrk FILE] [--connections N] [--seconds N] Service=trace.speedscope.json ...

A thread-time profile samples every thread, running or not. Samples whose stack is parked in a wait (thread-pool
semaphore, socket event loop, monitor, sleep, timer) are left out, so what remains approximates CPU time. For each
service: the share of its busy samples under each frame (inclusive) and at the top of the stack (exclusive), the
first rows of each, with frames grouped by method (the argument list dropped).
"""
import json
import re
import sys
from collections import Counter

WAIT_MARKERS = (
    "LowLevelLifoSemaphore.Wait",
    "LowLevelMonitor.Wait",
    "LowLevelSpinWaiter.Wait",
    "WaitForSocketEvents",
    "Monitor.Wait",
    "WaitHandle.Wait",
    "WaitOneNoCheck",
    "Thread.Sleep",
    "SemaphoreSlim.Wait",
    "ManualResetEventSlim.Wait",
    "Task.SpinThenBlockingWait",
    "Task.InternalWaitCore",
    "GateThread.GateThreadStart",
    "WaitThread.WaitThreadStart",
    "TimerQueue.TimerThread",
    "Console.Read",
    "FileSystemWatcher+RunningInstance.TryReadEvent",
    "SocketAsyncEngine.EventLoop",
    "ThreadPoolWorkQueue.Dispatch",  # only when it is the leaf: see is_idle
)


PSEUDO_ROOTS = ("", "Thread", "Threads")


def method_name(frame: str) -> str:
    name = re.sub(r"\(.*\)$", "", frame).strip()
    return name.split("!", 1)[1] if "!" in name else name


def is_pseudo(name: str) -> bool:
    return name in PSEUDO_ROOTS or name.startswith("Process64 ") or name.startswith("Process32 ") \
        or name.startswith("Thread (") or name in ("CPU_TIME", "UNMANAGED_CODE_TIME")


def is_idle(stack: list[str]) -> bool:
    if not stack:
        return True
    # The sampler marks a thread running managed code with a CPU_TIME leaf; UNMANAGED_CODE_TIME is native code,
    # counted only when no wait is on the stack (a syscall doing work, not one parked).
    if stack[-1] == "CPU_TIME":
        return False
    for frame in stack:
        for marker in WAIT_MARKERS[:-1]:
            if marker in frame:
                return True
    leaf = stack[-1]
    return "ThreadPoolWorkQueue.Dispatch" in leaf


def stacks_of(profile: dict, frames: list[str]):
    """Yields (stack as frame names root→leaf, weight) for a speedscope 'sampled' or 'evented' profile."""
    if profile.get("type") == "sampled":
        weights = profile.get("weights") or [1] * len(profile["samples"])
        for sample, weight in zip(profile["samples"], weights):
            yield [frames[i] for i in sample], weight
        return
    stack: list[int] = []
    last = None
    for event in profile.get("events", []):
        at = event["at"]
        if last is not None and at > last and stack:
            yield [frames[i] for i in stack], at - last
        last = at
        if event["type"] == "O":
            stack.append(event["frame"])
        elif event["type"] == "C":
            if stack and stack[-1] == event["frame"]:
                stack.pop()
            elif event["frame"] in stack:
                del stack[len(stack) - 1 - stack[::-1].index(event["frame"]):]


def summarise(path: str):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    frames = [method_name(fr["name"]) for fr in data["shared"]["frames"]]
    inclusive: Counter = Counter()
    exclusive: Counter = Counter()
    busy = 0.0
    total = 0.0
    for profile in data["profiles"]:
        for stack, weight in stacks_of(profile, frames):
            total += weight
            if is_idle(stack):
                continue
            busy += weight
            real = [n for n in stack if not is_pseudo(n)]
            for name in set(real):
                inclusive[name] += weight
            exclusive[real[-1] if real else stack[-1]] += weight
    return busy, total, inclusive, exclusive


def main(argv: list[str]) -> int:
    wrk_file = None
    connections = "?"
    seconds = "?"
    targets = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--wrk":
            wrk_file, i = argv[i + 1], i + 2
        elif arg == "--connections":
            connections, i = argv[i + 1], i + 2
        elif arg == "--seconds":
            seconds, i = argv[i + 1], i + 2
        else:
            name, _, path = arg.partition("=")
            targets.append((name, path))
            i += 1
    if not targets:
        print(__doc__, file=sys.stderr)
        return 2

    print("# Where the stack's time goes under load (dotnet-trace, thread-time sampling)\n")
    print(f"Load: wrk, {connections} connections, non-streaming `sim-gpt` requests, {seconds} s sampled per service.")
    if wrk_file:
        with open(wrk_file, encoding="utf-8") as f:
            text = f.read()
        rps = re.search(r"Requests/sec:\s*([\d.]+)", text)
        if rps:
            print(f"Throughput during sampling: {float(rps.group(1)):,.0f} requests/s.")
    print("\nBusy = samples not parked in a wait; shares are of each service's busy samples. "
          "Frames are methods (arguments dropped); `UNMANAGED_CODE_TIME` is native code (syscalls, the runtime).\n")

    overview = []
    details = []
    for name, path in targets:
        busy, total, inclusive, exclusive = summarise(path)
        overview.append((name, busy))
        if busy <= 0:
            details.append(f"## {name}\n\nNo busy samples.\n")
            continue
        lines = [f"## {name}\n", "| inclusive | frame |", "|---:|---|"]
        ours = [(n, w) for n, w in inclusive.most_common() if n.startswith("Gateway.")]
        for n, w in inclusive.most_common(25):
            lines.append(f"| {100 * w / busy:.1f}% | `{n}` |")
        lines += ["", "Our own frames (Gateway.*), inclusive:", "", "| inclusive | frame |", "|---:|---|"]
        for n, w in ours[:25]:
            lines.append(f"| {100 * w / busy:.1f}% | `{n}` |")
        lines += ["", "| exclusive | frame |", "|---:|---|"]
        for n, w in exclusive.most_common(15):
            lines.append(f"| {100 * w / busy:.1f}% | `{n}` |")
        details.append("\n".join(lines) + "\n")

    all_busy = sum(b for _, b in overview) or 1
    print("| service | busy samples (ms of thread time) | share of the stack's busy time |")
    print("|---|---:|---:|")
    for name, busy in sorted(overview, key=lambda x: -x[1]):
        print(f"| {name} | {busy:,.0f} | {100 * busy / all_busy:.1f}% |")
    print()
    print("\n".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""The one task runner: build, serve, test, ask, eval, chat, tokenize, bench (standard library only).

    python3 build.py serve            build dist/ and serve it on http://127.0.0.1:8000/
    python3 build.py wasm             compile the CPU kernels (pinned zig cc) into build/wasm/
    python3 build.py test [ARGS]      set up .venv + system packages, build, run all test tiers
    python3 build.py test --big       the opt-in tests on the real Qwen2.5-Coder-0.5B GGUF only
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "tests" / "requirements.txt"
APT_PACKAGES = {"chromium": "/usr/bin/chromium",
                "mesa-vulkan-drivers": "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"}

PASS_THROUGH = {"test", "chat", "tokenize", "bench", "ask", "eval"}

sys.path.insert(0, str(ROOT))


def cmd_dist(args):
    from tools.site import build
    build()


def cmd_wasm(args):
    from tools.wasm_build import ROOT as root, build
    for path in build().values():
        print(f"[wasm] {path.relative_to(root)}: {path.stat().st_size} bytes")


def cmd_serve(args):
    from tools.server import make_server
    from tools.site import DIST, build
    build()
    server = make_server(DIST, args.port)
    print(f"Serving dist/ on http://127.0.0.1:{server.server_address[1]}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def _missing_system_packages():
    missing = []
    for package, marker in APT_PACKAGES.items():
        if package == "mesa-vulkan-drivers":
            icds = Path("/usr/share/vulkan/icd.d")
            if not (icds.is_dir() and any(p.name.startswith("lvp_icd") for p in icds.iterdir())):
                missing.append(package)
        elif not Path(marker).exists():
            missing.append(package)
    return missing


def ensure_system_packages():
    missing = _missing_system_packages()
    if not missing:
        return
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("The tests need these Debian packages: " + " ".join(missing) +
                         f"\nInstall them, e.g.: sudo apt-get install -y {' '.join(missing)}")
    print(f"[test] apt-get install {' '.join(missing)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def venv_python():
    """.venv with the pinned test dependencies, reinstalled only when the pins change."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print("[test] creating .venv with tests/requirements.txt", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


def test_environment():
    from tools import vendor
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "py"), str(ROOT)])
    # The original model stays TODO_MODEL_GGUF: the reference tests compare it with HF fixtures.
    env.setdefault("TODO_MODEL_GGUF", str(vendor.default_model()))
    env.setdefault("TODO_TUNED_GGUF", str(vendor.tuned_model()))
    return env


def tuned_environment():
    """For chat/bench: the to-do-tuned model is the default (--model picks another)."""
    env = test_environment()
    env["TODO_MODEL_GGUF"] = env["TODO_TUNED_GGUF"]
    return env


def cmd_test(args):
    ensure_system_packages()
    python = venv_python()
    cmd_dist(args)
    env, rest = test_environment(), args.rest
    if args.big:  # the opt-in big-model tests: the model first (a clear failure), then -m big
        from tools import vendor
        print(f"[test] big model: {vendor.big_model()}", flush=True)
        env["TODO_TEST_BIG"] = "1"
        rest = ["-m", "big", *rest]
    result = subprocess.run([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)
    sys.exit(result.returncode)


def _run_main(module, argv, system_packages=False):
    """MODULE's main(argv) in .venv, with the build's default (to-do-tuned) model."""
    if system_packages:
        ensure_system_packages()
    python = venv_python()
    code = f"import sys; from {module} import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run([str(python), "-c", code, *argv], cwd=ROOT, env=tuned_environment())
    sys.exit(result.returncode)


def cmd_tokenize(args):
    _run_main("webgpu_llm.cli_tokenize", args.rest)


def cmd_chat(args):
    _run_main("webgpu_llm.cli_chat", args.rest)


def cmd_ask(args):
    """tools/ask.py: the app's assistant pipeline on a to-do file, natively (wgpu)."""
    _run_main("tools.ask", args.rest)


def cmd_bench(args):
    """tools/bench.py in .venv (Playwright, wgpu): our engine vs wllama, native figures, bandwidth."""
    _run_main("tools.bench", args.rest, system_packages=True)


def cmd_eval(args):
    """tools/eval/run.py in .venv: the assistant's eval set, natively, with the default (tuned) model."""
    _run_main("tools.eval.run", args.rest, system_packages=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("dist", help="build the static site into dist/").set_defaults(func=cmd_dist)
    sub.add_parser("wasm", help="compile the CPU kernels (wasm-kernels/*.c) into build/wasm/"
                   ).set_defaults(func=cmd_wasm)
    serve = sub.add_parser("serve", help="build dist/ and serve it on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    test = sub.add_parser("test", help="set up, build and run all test tiers (extra args go to pytest)")
    test.add_argument("--big", action="store_true",
                      help="run the opt-in tests on the real Qwen2.5-Coder-0.5B GGUF (491 MB from PyPI)")
    test.set_defaults(func=cmd_test)
    chat = sub.add_parser("chat", help="chat with the model natively (wgpu); --help for options",
                          add_help=False)
    chat.set_defaults(func=cmd_chat)
    tok = sub.add_parser("tokenize", help="print the token ids of a text (JSON)", add_help=False)
    tok.set_defaults(func=cmd_tokenize)
    ask = sub.add_parser("ask", help="ask the assistant about a to-do file, natively (wgpu); "
                         "--help for options", add_help=False)
    ask.set_defaults(func=cmd_ask)
    bench = sub.add_parser("bench", help="benchmark our engine against wllama (browser) and natively; "
                           "--help for options", add_help=False)
    bench.set_defaults(func=cmd_bench)
    ev = sub.add_parser("eval", help="the assistant's eval set, natively with the real model; "
                        "--help for options", add_help=False)
    ev.set_defaults(func=cmd_eval)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in PASS_THROUGH:
        parser.error("unrecognized arguments: " + " ".join(extra))
    args.rest = extra  # test: pytest's arguments; chat/tokenize: the engine CLI's
    args.func(args)


if __name__ == "__main__":
    main()

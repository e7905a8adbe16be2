"""Write a pure-Python wheel with the standard library (PEP 427)."""
import base64
import hashlib
import zipfile

# A fixed timestamp keeps wheels byte-identical across builds of the same sources.
_EPOCH = (2020, 1, 1, 0, 0, 0)


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def write_wheel(path, name, version, files):
    """files: {archive path: bytes}. Returns the path written."""
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    meta = {
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": (b"Wheel-Version: 1.0\nGenerator: todo-assistant build.py\n"
                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    entries = dict(sorted(files.items())) | meta
    record = [f"{p},{_record_hash(d)},{len(d)}" for p, d in entries.items()]
    record.append(f"{dist_info}/RECORD,,")
    entries[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in entries.items():
            info = zipfile.ZipInfo(arcname, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return path

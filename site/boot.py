"""Install our wheels with micropip from this origin; shared by the page and the engine worker."""
import pyodide_js
from pyodide.http import pyfetch


async def install_wheels(base_url):
    """base_url: the site's root URL ending in '/' (workers have no usable relative base)."""
    info = await (await pyfetch(base_url + "build-info.json", cache="no-store")).json()
    await pyodide_js.loadPackage("micropip")  # from the vendored pyodide-lock.json
    import micropip
    # Everything is pinned and local: no resolver, no package index.
    await micropip.install([base_url + wheel for wheel in info["wheels"]], deps=False)
    return info

"""DOM views of the app. Elements are built with document.createElement and textContent only:
user text and model text never pass through an HTML parser (no innerHTML anywhere)."""

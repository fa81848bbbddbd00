"""The demonstration municipality: a deterministic synthetic region with planted cases.

``msoko demo`` (``msoko.demo.management.commands.demo``) runs ``generator.build_demo``:
``world`` plans the territory, organisations, context and students; ``registry`` writes
them; ``facts`` generates the results of every procedure with numpy, calibrated to real
shapes (``calibrate``, ``specs``); the ground truth of the planted cases goes to
``DATA_DIR / "demo_ground_truth.json"``.
"""

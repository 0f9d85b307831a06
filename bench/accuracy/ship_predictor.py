#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Put a predictor JSON into the shipped datasets/predictors.db in place of its device's row.

What datasets/README.md describes, as one command: the JSON (as `build-predictor -o` or
`calibrate -o` write it, XGBoost's training statistics already zeroed by Regressor::toJson) is
deflated with zlib level 6 as MeasurementStore::addPredictor stores it, every earlier row of the
same device is deleted, and the file is vacuumed with journal mode delete (the shipped file is
opened read-only). Prints the sizes; checks the stored text inflates
back to the written one.

Usage: python3 bench/accuracy/ship_predictor.py PREDICTOR.json datasets/predictors.db
"""
import json
import sqlite3
import sys
import zlib


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    predictor = json.load(open(argv[1]))
    if predictor.get("schema") != "kernelmeter.predictor/1":
        sys.exit(f"{argv[1]}: not a kernelmeter.predictor/1 file")
    text = json.dumps(predictor, separators=(",", ":"))
    packed = zlib.compress(text.encode(), 6)
    assert zlib.decompress(packed).decode() == text
    db = sqlite3.connect(argv[2])
    device = predictor["device"]
    removed = db.execute("delete from predictors where device_id = ?", (device,)).rowcount
    db.execute("insert into predictors(device_id, built_at_utc, json, json_zlib, json_bytes) values (?, ?, '', ?, ?)",
               (device, predictor["built_at_utc"], packed, len(text)))
    db.commit()
    db.execute("pragma journal_mode = delete")
    db.execute("vacuum")
    db.close()
    print(f"{device}: replaced {removed} row(s); {len(text) / 1e6:.1f} MB of JSON stored as {len(packed) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv)

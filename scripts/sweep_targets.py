#!/usr/bin/env python3
"""Sweeps bcnn-compile's --target-images-per-s over a model and prints, per target, the estimated
throughput, resources, fit, the stage that bounds the design, and the power model's watts and
images per joule (docs/estimator.md, "Throughput and energy of the shipped configs").

Usage: scripts/sweep_targets.py --compile build/apps/bcnn-compile --data DATA_DIR MODEL.h5
           [--parts PART,PART,...|all] [--targets 0,1000,10000,...] [--name NAME] [--calibrate]

--calibrate passes --calibrate DATA_DIR (1,000 training images) to bcnn-compile, for a model without
calibration ranges (a checkpoint saved inside the first epoch).

Target 0 is the default design (no --target-images-per-s); a target beyond reach (e.g. 1e9) gives
the fastest design found that fits the part. Each project is generated with --tb-images 8 into a
temporary directory and removed; only report.json is read.
"""
import argparse
import json
import subprocess
import sys
import tempfile


# The parts bcnn-compile --part lists (src/hls/estimate.cpp, fpga_parts()).
ALL_PARTS = ["xc7z020clg400-1", "xczu3eg-sbva484-1-e", "xczu7ev-ffvc1156-2-e", "xczu9eg-ffvb1156-2-e",
             "xcu50-fsvh2104-2-e", "xcu250-figd2104-2L-e", "xcvu9p-flga2104-2L-e"]


def compile_report(tool, model, data, part, target, work, calibrate=False):
    out = f"{work}/prj_{target}"
    cmd = [tool, model, "-o", out, "--data", data, "--part", part, "--tb-images", "8", "--force"]
    if calibrate:
        cmd += ["--calibrate", data, "--calibration-images", "1000"]
    if target:
        cmd += ["--target-images-per-s", str(target)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"sweep_targets: {' '.join(cmd)} failed:\n{run.stderr}")
    with open(f"{out}/report.json") as f:
        report = json.load(f)
    subprocess.run(["rm", "-rf", out], check=True)
    return report, run.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--compile", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--parts", default="xczu7ev-ffvc1156-2-e")
    parser.add_argument("--targets", default="0,1000,10000,100000,200000,400000,1000000,3000000")
    parser.add_argument("--name", default=None)
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    targets = [int(float(t)) for t in args.targets.split(",")]
    parts = ALL_PARTS if args.parts == "all" else args.parts.split(",")
    print(f"{args.name or args.model}:\n")
    print("| part | target images/s | estimated images/s | DSP | BRAM18K | URAM | LUT | FF | fits | bound by | W | images/J |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="bcnn-sweep-") as work:
        for part, target in [(p, t) for p in parts for t in targets]:
            report, warnings = compile_report(args.compile, args.model, args.data, part, target, work, args.calibrate)
            e = report["estimate"]
            t, u = e["total"], e["utilization"]
            power = report.get("power", {})
            bound = e.get("bottleneck", {}).get("stage", "")
            if "even the cheapest design" in warnings:
                bound += " (the cheapest design; none fits)"
            elif "does not fit" in warnings:
                bound += " (the fastest that fits)"
            elif "out of reach" in warnings:
                bound += " (target out of reach)"
            print(f"| {part.split('-')[0]} | {'default' if target == 0 else f'{target:,}'} | {e['images_per_s']:,.0f} | "
                  f"{t['dsp']:,} ({100 * u['dsp']:.0f}%) | {t['bram18k']:,} ({100 * u['bram18k']:.0f}%) | "
                  f"{t.get('uram', 0):,} ({100 * u.get('uram', 0):.0f}%) | "
                  f"{t['lut']:,} ({100 * u['lut']:.0f}%) | {t['ff']:,} ({100 * u['ff']:.0f}%) | "
                  f"{'yes' if e['fits'] else 'no'} | {bound} | {power.get('total_w', float('nan')):.2f} | "
                  f"{power.get('images_per_j', float('nan')):,.0f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

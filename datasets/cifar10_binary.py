#!/usr/bin/python3
"""CIFAR-10 in the official binary layout: build it from the JPEG copy, or verify a directory.

Called by datasets/prepare_cifar10.sh; needs only Debian's python3-pil.

  cifar10_binary.py build JPEG_TARBALL OUT_DIR   decode train/<class>/NNNN.jpg and test/<class>/NNNN.jpg
                                                  into data_batch_1..5.bin, test_batch.bin, batches.meta.txt
  cifar10_binary.py verify DIR                    check sizes, labels and per-class counts; print them

Layout (Krizhevsky 2009, "binary version"): records of 1 label byte + 1024 R + 1024 G + 1024 B bytes,
each plane a row-major 32x32 image; 10,000 records per file.

Record order. The JPEG copy keeps each class's own order (image k of a class is that class's k-th
image) but lost how the classes were interleaved in the original batches. Records are therefore
written round-robin over the classes in label order: record r of the training set (r = 0..49,999,
data_batch_1 holding r = 0..9,999, and so on) is image r // 10 of class r % 10; test record r is test
image r // 10 of class r % 10. Every training file thus holds exactly 1,000 images of each class.
"""
import io
import os
import re
import sys
import tarfile

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
SIDE = 32
RECORD_BYTES = 1 + 3 * SIDE * SIDE
PER_FILE = 10000
SPLITS = {"train": 5000, "test": 1000}  # images per class
TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
TEST_FILE = "test_batch.bin"


def fail(message):
    print(f"cifar10_binary: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_jpegs(tarball):
    """{(split, class index): {k: jpeg bytes}} for every train/<class>/NNNN.jpg and test/<class>/NNNN.jpg."""
    pattern = re.compile(r"^(?:\./)?(train|test)/([a-z]+)/(\d{4})\.jpg$")
    found = {(s, c): {} for s in SPLITS for c in range(len(CLASSES))}
    unexpected = []
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            if member.isdir():
                continue
            m = pattern.match(member.name)
            if not member.isfile() or not m or m.group(2) not in CLASSES:
                unexpected.append(member.name)
                continue
            split, name, k = m.group(1), m.group(2), int(m.group(3))
            found[(split, CLASSES.index(name))][k] = tar.extractfile(member).read()
    if unexpected:
        fail(f"{tarball}: {len(unexpected)} unexpected entries, e.g. {unexpected[0]!r}; "
             "expected only train/<class>/NNNN.jpg and test/<class>/NNNN.jpg")
    for (split, c), images in sorted(found.items()):
        want = SPLITS[split]
        if sorted(images) != list(range(want)):
            missing = [k for k in range(want) if k not in images]
            fail(f"{tarball}: {split}/{CLASSES[c]}/ holds {len(images)} images, expected {want} numbered "
                 f"0000..{want - 1:04d}" + (f"; first missing: {missing[0]:04d}.jpg" if missing else ""))
    return found


def record(label, jpeg, where):
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(jpeg))
        image.load()
    except Exception as e:  # Pillow raises several types for a damaged file
        fail(f"{where}: cannot decode: {e}")
    if image.size != (SIDE, SIDE):
        fail(f"{where}: image is {image.size[0]}x{image.size[1]}, expected {SIDE}x{SIDE}")
    red, green, blue = image.convert("RGB").split()
    return bytes([label]) + red.tobytes() + green.tobytes() + blue.tobytes()


def build(tarball, out_dir):
    found = read_jpegs(tarball)
    for split, per_class in SPLITS.items():
        records = []
        for r in range(per_class * len(CLASSES)):
            c, k = r % len(CLASSES), r // len(CLASSES)
            records.append(record(c, found[(split, c)][k], f"{tarball}: {split}/{CLASSES[c]}/{k:04d}.jpg"))
        names = TRAIN_FILES if split == "train" else [TEST_FILE]
        for i, name in enumerate(names):
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(b"".join(records[i * PER_FILE:(i + 1) * PER_FILE]))
    # As in the official archive: one class name per line, then an empty line.
    with open(os.path.join(out_dir, "batches.meta.txt"), "w") as f:
        f.write("".join(name + "\n" for name in CLASSES) + "\n")


def verify(directory):
    """Checks every file's size and labels and the per-class totals; prints the counts."""
    totals = {}
    for split, names in (("train", TRAIN_FILES), ("test", [TEST_FILE])):
        counts = [0] * len(CLASSES)
        for name in names:
            path = os.path.join(directory, name)
            if not os.path.isfile(path):
                fail(f"{path}: missing")
            size = os.path.getsize(path)
            if size != PER_FILE * RECORD_BYTES:
                fail(f"{path}: {size} bytes, expected {PER_FILE * RECORD_BYTES} ({PER_FILE} records of {RECORD_BYTES} bytes)")
            with open(path, "rb") as f:
                data = f.read()
            for i in range(PER_FILE):
                label = data[i * RECORD_BYTES]
                if label >= len(CLASSES):
                    fail(f"{path}: record {i} has label {label}, expected 0 to {len(CLASSES) - 1}")
                counts[label] += 1
        want = SPLITS[split]
        if any(n != want for n in counts):
            fail(f"{directory}: {split} images per class are {counts}, expected {want} each")
        totals[split] = counts
    meta = os.path.join(directory, "batches.meta.txt")
    if not os.path.isfile(meta):
        fail(f"{meta}: missing")
    with open(meta) as f:
        names = [line.strip() for line in f if line.strip()]
    if names != CLASSES:
        fail(f"{meta}: class names {names}, expected {CLASSES}")
    for split, counts in totals.items():
        print(f"  {split:5s} per class: " + ", ".join(f"{n} {c}" for n, c in zip(CLASSES, counts)))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "verify":
        verify(sys.argv[2])
    else:
        fail("usage: cifar10_binary.py build JPEG_TARBALL OUT_DIR | verify DIR")


if __name__ == "__main__":
    main()

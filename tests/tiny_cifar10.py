"""A tiny copy of CIFAR-10 in its image-folder layout, for the tests of book.cifar10 and
book.experiments: random 32x32 JPEGs of 4 classes, 10 train and 5 test images each, named
0.jpg, 1.jpg, ... Each class has its own mean colour so a linear classifier has something to learn."""
import numpy as np
from PIL import Image

CLASSES = ("apple", "berry", "cherry", "date")
N_TRAIN, N_TEST = 10, 5


def write_tiny_copy(root):
    """Write the copy into the folder `root` (train/<class>/<i>.jpg, test/<class>/<i>.jpg); return root."""
    rng = np.random.default_rng(0)
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        for c, name in enumerate(CLASSES):
            (root / split / name).mkdir(parents=True)
            colour = np.array([(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40)][c])
            for i in range(n):
                img = np.clip(colour + rng.normal(0, 25, size=(32, 32, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(img).save(root / split / name / f"{i}.jpg")
    return root

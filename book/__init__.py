"""The course's library: every figure and number in the book is computed by this package.

Modules are named after the idea a chapter teaches:
data (digits, toy 2-D sets, CIFAR-10), linear (perceptron, linear classifier),
losses, layers, nets, gradcheck, graph (tiny autograd), plots, widgets, grading.
"""
__version__ = "0.1.0"

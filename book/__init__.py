"""The course's library: every figure and number in the book is computed by this package.

Modules are named after the idea a chapter teaches:
data (digits, toy 2-D sets), cifar10 (the lecture's data set), linear (perceptron, linear
classifier), losses, layers, nets, gradcheck, graph (tiny autograd), plots, widgets, grading;
experiments holds the CIFAR-10 training runs behind the book's numbers.
"""
__version__ = "0.1.0"

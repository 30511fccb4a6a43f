"""Models: the custom Keras layers, the fused recurrent loop and the factory that builds a classifier."""

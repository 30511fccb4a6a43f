"""Showing results: progress bars and spinners, classification scores and the plots drawn from them."""

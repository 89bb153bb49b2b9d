/** A config loader thread that ends without answering. */
process.exit(3);

/** A config loader that ends without answering. */
process.exit(3);

/** A config loader that fails with an exception of its own. */
throw new Error('loader exploded on purpose');

"""Reading the clerk's free text: numerals, sentences, and the quantities a sentence claims."""

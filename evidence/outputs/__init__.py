"""What is drawn or written for people: figures, the HTML report, exports for analysts."""

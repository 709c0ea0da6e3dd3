"""Pictures drawn from the store: forest, funnel, cumulative, TSA, PRISMA and risk-of-bias.

Each figure module has two halves: a function that reads what the picture needs from
the store into a small dataclass (no drawing), and a function that draws that dataclass
on a matplotlib Figure (no I/O). `render.save` writes SVG or PNG deterministically, so a
figure made twice from the same store is byte-for-byte the same file.
"""

import struct, sys
elf, out = sys.argv[1], sys.argv[2]
d = open(elf, 'rb').read()
phoff, = struct.unpack_from('<Q', d, 32); phentsize, phnum = struct.unpack_from('<HH', d, 54)
addrs = []
for i in range(phnum):
    t, fl, off, va, pa, fs, ms, al = struct.unpack_from('<IIQQQQQQ', d, phoff + i*phentsize)
    if t == 1 and fl & 1:
        addrs += range(va, va + fs, 4)
with open(out, 'w') as f:
    f.write('.section .data.rel.ro,"aw"\n.balign 16\n.globl aot_entry_table\naot_entry_table:\n')
    for a in addrs:
        f.write(f'.quad {a}, interp_fn\n')
    f.write(f'.balign 8\n.globl aot_entry_count\naot_entry_count: .quad {len(addrs)}\n')
    f.write(f'.section .rodata\n.balign 16\n.globl aot_guest_image\naot_guest_image:\n.incbin "{elf}"\naot_guest_image_end:\n.balign 8\n.globl aot_guest_image_len\naot_guest_image_len: .quad aot_guest_image_end - aot_guest_image\n')

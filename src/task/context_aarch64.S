/* AArch64 (AAPCS64) context switch.
 *   void ed__context_swap(void **save_sp, void *new_sp)
 * Saves x19-x28, the frame pointer and link register (x29, x30), the low
 * halves of v8-v15 (d8-d15) and FPCR in a 176-byte frame on the current
 * stack, stores sp in *save_sp, loads new_sp and restores the same frame;
 * `ret` jumps to the restored x30. A fresh context's frame (built by
 * ed__context_make) has x30 = ed__context_start, the entry function in x19
 * and its argument in x20. */
#if defined(__aarch64__) && !defined(EDDY_CONTEXT_UCONTEXT)

    .text
    .globl ed__context_swap
    .hidden ed__context_swap
    .type ed__context_swap, %function
    .p2align 4
ed__context_swap:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    ldr x9, [sp, #160]
    msr fpcr, x9
    add sp, sp, #176
    ret
    .size ed__context_swap, .-ed__context_swap

    .globl ed__context_start
    .hidden ed__context_start
    .type ed__context_start, %function
    .p2align 4
ed__context_start:
    mov x29, #0 /* the bottom of a coroutine's stack: debuggers stop here */
    mov x0, x20
    blr x19
    brk #0 /* the entry function never returns */
    .size ed__context_start, .-ed__context_start

#endif
    .section .note.GNU-stack,"",%progbits

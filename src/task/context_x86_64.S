/* x86-64 System V context switch.
 *   void ed__context_swap(void **save_sp, void *new_sp)
 * Pushes the callee-saved registers (rbp, rbx, r12-r15), MXCSR and the x87
 * control word, stores rsp in *save_sp, loads new_sp and pops the same
 * frame: the `ret` resumes wherever the other context called swap from.
 * Each context keeps its own MXCSR (sticky exception flags included, as a
 * thread would): it is stored and loaded at every switch, because reading
 * back what stmxcsr stored costs more than ldmxcsr does. The x87 control
 * word is loaded only when the two contexts' differ. Sanitizer builds use
 * this swap; other x86-64 builds inline the switch (context.h). A
 * fresh context's frame (built by ed__context_make) returns into
 * ed__context_start instead, with the entry function in r12 and its
 * argument in r13. */
#if defined(__x86_64__) && !defined(EDDY_CONTEXT_UCONTEXT)

    .text
    .globl ed__context_swap
    .hidden ed__context_swap
    .type ed__context_swap, @function
    .p2align 4
ed__context_swap:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movzwl 4(%rsp), %ecx
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    cmpw 4(%rsp), %cx
    jne 2f
1:  addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
2:  fldcw 4(%rsp)
    jmp 1b
    .cfi_endproc
    .size ed__context_swap, .-ed__context_swap

    .globl ed__context_start
    .hidden ed__context_start
    .type ed__context_start, @function
    .p2align 4
ed__context_start:
    .cfi_startproc
    .cfi_undefined rip /* the bottom of a coroutine's stack: debuggers stop here */
    movq %r13, %rdi
    callq *%r12
    ud2 /* the entry function never returns */
    .cfi_endproc
    .size ed__context_start, .-ed__context_start

    /* A fresh context's first frame when the switch is inline (context.h):
     * its entry (context_boot) and the boot record are the next two words.
     * context_boot returns once the context has ended (ed__context_exit
     * left the next context's sp in the boot record, now at rsp), and the
     * rest is the second half of the inline switch: FP control words, then
     * the jump. The scratch word below rsp lies in the red zone, which
     * signal delivery leaves alone. */
    .globl ed__context_start_inline
    .hidden ed__context_start_inline
    .type ed__context_start_inline, @function
    .p2align 4
ed__context_start_inline:
    .cfi_startproc
    .cfi_undefined rip
    popq %rax
    popq %rdi
    callq *%rax
    movq 16(%rsp), %rax
    testq %rax, %rax
    jz 3f
    movq %rax, %rsp
    fnstcw -4(%rsp)
    movzwl -4(%rsp), %ecx
    ldmxcsr (%rsp)
    cmpw 4(%rsp), %cx
    je 1f
    fldcw 4(%rsp)
1:  addq $8, %rsp
    popq %rax
    jmp *%rax
3:  ud2 /* the entry returned without ending its context */
    .cfi_endproc
    .size ed__context_start_inline, .-ed__context_start_inline

#endif
    .section .note.GNU-stack,"",@progbits

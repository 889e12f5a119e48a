//! The trap path end to end, with hand-assembled app code: no sentry.

use abi::regs::Regs;
use abi::sysno;
use interposer::{AddressSpace, Context, Event};

const CODE: u64 = 0x1000_0000;
const PROT_RWX: u64 = 7;
const MAP_PRIVATE_ANON_FIXED: u64 = 0x02 | 0x20 | 0x10;

/// Maps one page of app code at `CODE` and points the thread at it.
fn load(ctx: &mut Context, code: &[u8]) {
    let r = ctx.host_op(sysno::MMAP as u64, [CODE, 4096, PROT_RWX, MAP_PRIVATE_ANON_FIXED, u64::MAX, 0]).unwrap();
    assert_eq!(r as u64, CODE);
    ctx.write(CODE, code).unwrap();
    ctx.regs = Regs::for_exec(CODE, 0, &ctx.regs);
}

// mov $39,%eax; syscall; mov %rax,%rdi; mov $60,%eax; syscall
const GETPID_THEN_EXIT: &[u8] = &[0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];

#[test]
fn syscalls_trap_to_the_sentry_and_results_come_back() {
    let (space, mut ctx) = AddressSpace::new().unwrap();
    load(&mut ctx, GETPID_THEN_EXIT);
    assert_eq!(ctx.switch(), Event::Syscall);
    assert_eq!(ctx.regs.rax, 39);
    assert_eq!(ctx.regs.rip, CODE + 7);
    ctx.regs.rax = 1234;
    assert_eq!(ctx.switch(), Event::Syscall);
    assert_eq!((ctx.regs.rax, ctx.regs.rdi), (60, 1234));
    space.kill();
    assert!(matches!(ctx.switch(), Event::Exited(9)));
}

#[test]
fn memory_round_trips_through_slot_and_process_vm() {
    let (_space, mut ctx) = AddressSpace::new().unwrap();
    load(&mut ctx, &[0x90]);
    let big: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    ctx.write(CODE + 100, &big).unwrap();
    let mut back = vec![0u8; 3000];
    ctx.read(CODE + 100, &mut back).unwrap();
    assert_eq!(back, big);
    let mut back2 = vec![0u8; 3000];
    ctx.space().read(CODE + 100, &mut back2).unwrap();
    assert_eq!(back2, big);
    // Unmapped memory is a fault on both paths, never a crash.
    assert!(ctx.read(0x20, &mut [0u8; 8]).is_err());
    assert!(ctx.space().read(0x20, &mut [0u8; 8]).is_err());
    assert!(ctx.write(0x20, &[1, 2, 3]).is_err());
}

#[test]
fn faults_are_reported_with_siginfo() {
    let (_space, mut ctx) = AddressSpace::new().unwrap();
    // mov 0x0,%rax (absolute)
    load(&mut ctx, &[0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0]);
    match ctx.switch() {
        Event::Fault(info) => {
            assert_eq!(info.signo, 11);
            assert_eq!(info.fields[0], 0, "si_addr");
        }
        e => panic!("expected a fault, got {e:?}"),
    }
    assert_eq!(ctx.regs.rip, CODE);
}

#[test]
fn a_kick_interrupts_a_spinning_thread() {
    let (_space, mut ctx) = AddressSpace::new().unwrap();
    load(&mut ctx, &[0xeb, 0xfe]); // jmp .
    let k = ctx.kicker();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        k.kick();
    });
    assert_eq!(ctx.switch(), Event::Interrupt);
    assert_eq!(ctx.regs.rip, CODE);
    t.join().unwrap();
}

#[test]
fn the_stub_process_is_gone_after_drop() {
    let (space, ctx) = AddressSpace::new().unwrap();
    let pid = space.host_pid();
    drop(ctx);
    drop(space);
    // The service thread reaps it: the pid disappears entirely.
    let gone = (0..500).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
    });
    assert!(gone, "stub {pid} still exists");
}

#[test]
fn fork_gives_a_child_with_its_own_memory_and_the_same_registers() {
    let (_space, mut parent) = AddressSpace::new().unwrap();
    // mov $57,%eax; syscall; mov %rax,%rdi; mov $60,%eax; syscall
    load(&mut parent, &[0xb8, 57, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05]);
    parent.write(CODE + 0x800, b"before").unwrap();
    assert_eq!(parent.switch(), Event::Syscall);
    assert_eq!(parent.regs.rax, 57);
    let (child_space, mut child) = parent.fork().unwrap();
    assert_ne!(child_space.host_pid(), parent.space().host_pid());
    // Copy-on-write: each side sees only its own writes from now on.
    parent.write(CODE + 0x800, b"parent").unwrap();
    let mut seen = [0u8; 6];
    child.read(CODE + 0x800, &mut seen).unwrap();
    assert_eq!(&seen, b"before");
    parent.regs.rax = 1234;
    child.regs.rax = 0;
    assert_eq!(child.switch(), Event::Syscall);
    assert_eq!((child.regs.rax, child.regs.rdi), (60, 0));
    assert_eq!(parent.switch(), Event::Syscall);
    assert_eq!((parent.regs.rax, parent.regs.rdi), (60, 1234));
    // The child forks in turn (its own region and control socket work).
    // The grandchild resumes past the last instruction, into zeroed memory
    // (`add %al,(%rax)`), and faults at the address it was given in rax.
    let (_grandchild_space, mut grandchild) = child.fork().unwrap();
    grandchild.regs.rax = 7;
    match grandchild.switch() {
        Event::Fault(info) => assert_eq!((info.signo, info.fields[0]), (11, 7)),
        e => panic!("expected a fault at 7, got {e:?}"),
    }
    child_space.kill();
    assert!(matches!(child.switch(), Event::Exited(9)));
}

#[test]
fn threads_run_in_their_own_slots_and_exit_alone() {
    let (space, mut main) = AddressSpace::new().unwrap();
    // loop: mov $39,%eax; syscall; jmp loop
    load(&mut main, &[0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7]);
    assert_eq!(main.switch(), Event::Syscall);
    let mut threads: Vec<_> = (0..3).map(|_| main.spawn_thread().unwrap()).collect();
    for (i, t) in threads.iter_mut().enumerate() {
        t.regs.rax = 100 + i as u64;
        t.regs.rbx = i as u64;
    }
    for (i, t) in threads.iter_mut().enumerate() {
        // Each new thread resumes where the first one trapped, with its own
        // registers, and traps again on its own slot.
        assert_eq!(t.switch(), Event::Syscall);
        assert_eq!((t.regs.rax, t.regs.rbx), (39, i as u64));
    }
    main.regs.rax = 1;
    assert_eq!(main.switch(), Event::Syscall);
    // A thread that exits frees its slot; the next thread reuses it.
    let first = threads.remove(0);
    first.exit_thread();
    let mut again = main.spawn_thread().unwrap();
    again.regs.rbx = 42;
    assert_eq!(again.switch(), Event::Syscall);
    assert_eq!(again.regs.rbx, 42);
    // The others were not disturbed.
    for t in &mut threads {
        assert_eq!(t.switch(), Event::Syscall);
    }
    space.kill();
    assert!(matches!(main.switch(), Event::Exited(9)));
}

#[test]
fn compare_exchange_on_app_memory() {
    let (_space, mut ctx) = AddressSpace::new().unwrap();
    load(&mut ctx, &[0x90]);
    ctx.write(CODE + 0x100, &7u32.to_ne_bytes()).unwrap();
    assert_eq!(ctx.cmpxchg32(CODE + 0x100, 6, 9), Ok(7), "no store when the word differs");
    assert_eq!(ctx.cmpxchg32(CODE + 0x100, 7, 9), Ok(7));
    let mut w = [0u8; 4];
    ctx.read(CODE + 0x100, &mut w).unwrap();
    assert_eq!(u32::from_ne_bytes(w), 9);
    assert!(ctx.cmpxchg32(0x20, 0, 1).is_err(), "an unmapped word faults, recovered");
    // The stub survived the fault.
    assert_eq!(ctx.cmpxchg32(CODE + 0x100, 9, 10), Ok(9));
}

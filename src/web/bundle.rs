//! What a `no_std` cdylib must bring itself: the allocator and the panic
//! handler. A panic cannot happen on external data (nothing unwraps it);
//! should one happen anyway, the instance traps instead of formatting a
//! message, so `core::fmt` stays out of the bundle.
//!
//! The allocator keeps one free list per power-of-two size class and takes
//! fresh memory from the end of the wasm memory. O(1) both ways, a few
//! hundred bytes of code instead of dlmalloc's five thousand, and flat
//! under a steady load (a freed block is reused by the next request of its
//! class; wasm memory never shrinks anyway). Blocks are 16-aligned; a
//! layout asking for more fails, which nothing in this crate does.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;
const MIN_CLASS: u32 = 4; // 16 bytes

struct Heap {
    /// Free blocks of class `c` (size `1 << c`), linked through their first word.
    free: [usize; 32],
    /// Unused memory between `next` and `end`.
    next: usize,
    end: usize,
}

struct Allocator(UnsafeCell<Heap>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
unsafe impl Sync for Allocator {}

#[global_allocator]
static ALLOC: Allocator = Allocator(UnsafeCell::new(Heap { free: [0; 32], next: 0, end: 0 }));

fn class(layout: Layout) -> Option<u32> {
    if layout.align() > 16 || layout.size() > 1 << 30 {
        return None;
    }
    let size = layout.size().max(1 << MIN_CLASS);
    Some(size.next_power_of_two().trailing_zeros())
}

impl Heap {
    fn take(&mut self, c: u32) -> *mut u8 {
        let head = self.free[c as usize];
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word
            // holds the next free block (written by `give`).
            self.free[c as usize] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << c;
        if self.end - self.next < size {
            let pages = size.div_ceil(PAGE).max(16);
            let old = wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return null_mut();
            }
            let start = old * PAGE;
            // Keep the tail of the old region only if it is contiguous.
            if self.end != start {
                self.next = start;
            }
            self.end = start + pages * PAGE;
        }
        let p = self.next;
        self.next += size;
        p as *mut u8
    }

    fn give(&mut self, p: *mut u8, c: u32) {
        // SAFETY: `p` is a block of `1 << c >= 16` bytes that the caller owned
        // and gives back; its first word becomes the list link.
        unsafe { *(p as *mut usize) = self.free[c as usize] };
        self.free[c as usize] = p as usize;
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded, and no allocator call re-enters another.
        let heap = unsafe { &mut *self.0.get() };
        match class(layout) {
            Some(c) => heap.take(c),
            None => null_mut(),
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`.
        let heap = unsafe { &mut *self.0.get() };
        if let Some(c) = class(layout) {
            heap.give(p, c);
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new) = Layout::from_size_align(new_size, layout.align()) else { return null_mut() };
        if class(new) == class(layout) {
            return p;
        }
        // SAFETY: the GlobalAlloc contract for `p` and `layout` is the caller's.
        unsafe {
            let q = self.alloc(new);
            if !q.is_null() {
                core::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                self.dealloc(p, layout);
            }
            q
        }
    }
}

// A no_std crate must have one; the bundle's build makes every panic an
// immediate trap (-Cpanic=immediate-abort), so it is not reached there.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}

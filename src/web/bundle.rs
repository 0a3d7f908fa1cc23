//! What a `no_std` cdylib must bring itself: the allocator and the panic
//! handler. A panic cannot happen on external data (nothing unwraps it);
//! should one happen anyway, the instance traps instead of formatting a
//! message, so `core::fmt` stays out of the bundle.

#[global_allocator]
static ALLOC: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

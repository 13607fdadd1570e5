//! Work shared among the cores, with nothing but the standard library.

/// Below this many items everything runs on the calling thread: starting threads would
/// cost more than they save (the daemon's usual update touches a handful of files).
const PARALLEL_FROM: usize = 16;

/// How many cores to use.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// The size of the parts `len` items are cut into, one per thread; `None` when they are
/// too few to be worth a thread, or there is one.
fn part_size(len: usize, threads: usize) -> Option<usize> {
    (threads > 1 && len >= PARALLEL_FROM).then(|| len.div_ceil(threads).max(1))
}

/// `f` on each part, each on a thread of its own; the results in order.
fn on_threads<P: Send, R: Send>(
    parts: impl Iterator<Item = P>,
    f: &(impl Fn(P) -> R + Sync),
) -> Vec<R> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts.map(|part| scope.spawn(move || f(part))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `f` over contiguous parts of `items`, one part per core, in order: for work whose
/// results are gathered per part (one large allocation per core rather than a result
/// per item to copy together afterwards).
pub(crate) fn par_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    match part_size(items.len(), cores()) {
        Some(size) => on_threads(items.chunks(size), &f),
        None => vec![f(items)],
    }
}

/// [`par_chunks`] for work that updates the items in place.
pub(crate) fn par_chunks_mut<T: Send, R: Send>(
    items: &mut [T],
    f: impl Fn(&mut [T]) -> R + Sync,
) -> Vec<R> {
    match part_size(items.len(), cores()) {
        Some(size) => on_threads(items.chunks_mut(size), &f),
        None => vec![f(items)],
    }
}

/// `f` over `items`, in order, on every core. Used where the items are many and
/// independent: reading digests, cleaning summaries, rendering feeds.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    par_map_on(cores(), items, f)
}

/// [`par_map`] on `threads` threads rather than one per core: for work that mostly
/// waits, such as reading files that are not in memory, where more reads in flight
/// keep the disk busy.
pub(crate) fn par_map_on<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if part_size(items.len(), threads).is_none() {
        return items.iter().map(&f).collect();
    }
    // The threads take blocks of items as they finish the last, rather than a fixed
    // half each: items can differ tenfold in cost (the newest digests hold most of
    // the summaries the feeds show), and a fixed split left one core idle.
    let block = (items.len() / (threads * 16)).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take = |_: usize| {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let start = next.fetch_add(block, std::sync::atomic::Ordering::Relaxed);
            let Some(part) = items.get(start..(start + block).min(items.len())) else {
                break;
            };
            if part.is_empty() {
                break;
            }
            done.push((start, part.iter().map(&f).collect()));
        }
        done
    };
    let mut blocks: Vec<(usize, Vec<R>)> = on_threads(0..threads, &take)
        .into_iter()
        .flatten()
        .collect();
    blocks.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(items.len());
    for (_, part) in blocks {
        out.extend(part);
    }
    out
}

/// `consume(item, produce(&item))` for every item, in order, with `produce` running on
/// another thread ahead of `consume` on this one: for a step in two halves, the second
/// of which has to run on one thread (it updates shared indexes), so that the first
/// half of later items overlaps it.
pub(crate) fn pipeline<T: Send, R: Send>(
    items: Vec<T>,
    produce: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(T, R),
) {
    if part_size(items.len(), cores()).is_none() {
        for item in items {
            let made = produce(&item);
            consume(item, made);
        }
        return;
    }
    // Items travel in batches: one channel message per item would cost more than some
    // of the work it hands over.
    const BATCH: usize = 64;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(T, R)>>(8);
    let produce = &produce;
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for item in items {
                let made = produce(&item);
                batch.push((item, made));
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.send(full).is_err() {
                        return;
                    }
                }
            }
            let _ = tx.send(batch);
        });
        for batch in rx {
            for (item, made) in batch {
                consume(item, made);
            }
        }
        if let Err(panic) = producer.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_size() {
        for n in [0usize, 1, 2, 3, 17, 1000] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                par_map(&items, |x| x * 2),
                (0..n).map(|x| x * 2).collect::<Vec<_>>()
            );
            let sums: usize = par_chunks(&items, |part| part.iter().sum::<usize>())
                .iter()
                .sum();
            assert_eq!(sums, items.iter().sum::<usize>());
            let mut doubled = items.clone();
            let parts = par_chunks_mut(&mut doubled, |part| {
                part.iter_mut().for_each(|x| *x *= 2);
                part.len()
            });
            assert_eq!(parts.iter().sum::<usize>(), n);
            assert_eq!(doubled, (0..n).map(|x| x * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_pipeline_consumes_every_item_once_in_order_with_what_was_made_of_it() {
        for n in [0usize, 1, 15, 16, 64, 65, 1000] {
            let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let mut seen = Vec::new();
            pipeline(items, |s| s.len(), |s, len| seen.push((s, len)));
            let want: Vec<(String, usize)> = (0..n)
                .map(|i| (i.to_string(), i.to_string().len()))
                .collect();
            assert_eq!(seen, want);
        }
    }

    /// A panic on either side of a pipeline reaches the caller, and neither thread is
    /// left waiting on the other (the producer may be blocked on a full channel).
    #[test]
    fn a_panic_on_either_side_of_a_pipeline_reaches_the_caller() {
        let items = || (0..2000).collect::<Vec<usize>>();
        let producer = std::panic::catch_unwind(|| {
            pipeline(items(), |&i| assert!(i != 1500, "producer"), |_, ()| {});
        });
        assert!(producer.is_err());
        let consumer = std::panic::catch_unwind(|| {
            pipeline(items(), |&i| i, |i, _| assert!(i != 10, "consumer"));
        });
        assert!(consumer.is_err());
        let worker = std::panic::catch_unwind(|| {
            par_map(&items(), |&i| assert!(i != 1999, "worker"));
        });
        assert!(worker.is_err());
    }
}

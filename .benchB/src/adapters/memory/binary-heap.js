/** A binary min-heap ordered by `less`. Entries are never removed in place: callers skip stale ones. */
export class BinaryHeap {
    less;
    items = [];
    constructor(less) {
        this.less = less;
    }
    get size() {
        return this.items.length;
    }
    peek() {
        return this.items[0];
    }
    push(item) {
        // Sifts a hole up instead of swapping: a destructuring swap allocated an array per level.
        const a = this.items;
        let i = a.length;
        a.push(item);
        while (i > 0) {
            const p = (i - 1) >> 1;
            const parent = a[p];
            if (!this.less(item, parent))
                break;
            a[i] = parent;
            i = p;
        }
        a[i] = item;
    }
    pop() {
        const a = this.items;
        const top = a[0];
        const last = a.pop();
        const n = a.length;
        if (n > 0 && last !== undefined) {
            // Sifts a hole down from the root, then fills it with the old last entry.
            let i = 0;
            for (;;) {
                const l = 2 * i + 1;
                if (l >= n)
                    break;
                const r = l + 1;
                const m = r < n && this.less(a[r], a[l]) ? r : l;
                if (!this.less(a[m], last))
                    break;
                a[i] = a[m];
                i = m;
            }
            a[i] = last;
        }
        return top;
    }
}
//# sourceMappingURL=binary-heap.js.map
// What a pixel column holds, found without walking it: a search that skips to the first item
// of a sorted list past a point (to the next column, say), a summary of a list's values by
// blocks, kept as the list grows, that gives the least and greatest value of any run of it,
// and a walk of a goroutine's marks that skips those hidden under others. With them a lane
// costs what the screen shows, however many events stand in one column. They are paint.js's
// columns once this module has come, after the page (see there).

/**
 * nextIn is the first index in [lo, hi) whose item passes test, or hi; test must fail for a
 * leading part of the list and pass from there on. It gallops from lo, so an answer near lo
 * costs a step or two and one far off the logarithm of the distance.
 */
export function nextIn(list, lo, hi, test) {
  if (lo >= hi || test(list[lo])) return lo;
  let a = lo; // fails
  let step = 1;
  let b = lo + 1;
  while (b < hi && !test(list[b])) {
    a = b;
    step *= 2;
    b = a + step;
  }
  if (b > hi) b = hi;
  let l = a + 1;
  while (l < b) {
    const mid = (l + b) >>> 1;
    if (test(list[mid])) b = mid;
    else l = mid + 1;
  }
  return l;
}

const B = 16; // items a leaf block sums up, and blocks a block of the level above
const summaries = new WeakMap(); // list → its Summary

/**
 * rangeOf is the summary of value(item) over list: its range(i, j) is [least, greatest] of
 * items [i, j). value must name the same reading of a list every time it is asked for.
 */
export function rangeOf(list, value) {
  let s = summaries.get(list);
  if (!s) summaries.set(list, (s = new Summary(list, value)));
  s.sync();
  return s;
}

// A Summary holds, for each block of B items of its list, the least and the greatest value,
// and above them the same for each B blocks, and so on up: a run of items is a few items at
// each end and a few blocks of each level between. Only whole blocks are summed up. The list
// may grow at its end, or have an item put in before it and what follows renumbered (a
// channel's occupancy, when a value turns out to have entered the buffer earlier): the item
// that ended each leaf block is kept, and a block whose end has moved is summed up again,
// with all that follows.
class Summary {
  constructor(list, value) {
    this.list = list;
    this.value = value;
    this.ends = []; // the item that ends each leaf block
    this.lo = [[]]; // lo[k][b]: the least value of block b of level k
    this.hi = [[]];
  }

  sync() {
    const { list, ends, value } = this;
    let m = ends.length;
    if (m > 0 && list[m * B - 1] !== ends[m - 1]) {
      // the first block whose end has moved: an item went in before it
      let a = 0;
      let b = m - 1;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (list[(mid + 1) * B - 1] !== ends[mid]) b = mid;
        else a = mid + 1;
      }
      m = a;
      ends.length = m;
      for (let k = 0, n = m; k < this.lo.length; k++, n = Math.floor(n / B)) {
        this.lo[k].length = n;
        this.hi[k].length = n;
      }
    }
    const full = Math.floor(list.length / B);
    if (full === m) return;
    const lo0 = this.lo[0];
    const hi0 = this.hi[0];
    for (let b = m; b < full; b++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = b * B; i < (b + 1) * B; i++) {
        const v = value(list[i]);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      lo0.push(lo);
      hi0.push(hi);
      ends.push(list[(b + 1) * B - 1]);
    }
    for (let k = 1; this.lo[k - 1].length >= B; k++) {
      if (!this.lo[k]) {
        this.lo[k] = [];
        this.hi[k] = [];
      }
      const [los, his, below, belowHi] = [this.lo[k], this.hi[k], this.lo[k - 1], this.hi[k - 1]];
      for (let b = los.length; b < Math.floor(below.length / B); b++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = b * B; i < (b + 1) * B; i++) {
          if (below[i] < lo) lo = below[i];
          if (belowHi[i] > hi) hi = belowHi[i];
        }
        los.push(lo);
        his.push(hi);
      }
    }
  }

  /** range is [least, greatest] of the values of items [i, j) ([Infinity, -Infinity]: none). */
  range(i, j) {
    const out = [Infinity, -Infinity];
    const { list, value } = this;
    const take = (v) => {
      if (v < out[0]) out[0] = v;
      if (v > out[1]) out[1] = v;
    };
    const full = this.ends.length * B;
    if (Math.min(j, full) - i < B) {
      for (let x = i; x < j; x++) take(value(list[x]));
      return out;
    }
    const a = Math.ceil(i / B) * B;
    const b = Math.floor(Math.min(j, full) / B) * B;
    for (let x = i; x < a; x++) take(value(list[x]));
    for (let x = b; x < j; x++) take(value(list[x]));
    this.blocks(0, a / B, b / B, out);
    return out;
  }

  // blocks takes blocks [a, b) of level k into out.
  blocks(k, a, b, out) {
    const lo = this.lo[k];
    const hi = this.hi[k];
    const take = (x) => {
      if (lo[x] < out[0]) out[0] = lo[x];
      if (hi[x] > out[1]) out[1] = hi[x];
    };
    const full = this.lo[k + 1] ? this.lo[k + 1].length * B : 0;
    if (Math.min(b, full) - a < B) {
      for (let x = a; x < b; x++) take(x);
      return;
    }
    const a1 = Math.ceil(a / B) * B;
    const b1 = Math.floor(Math.min(b, full) / B) * B;
    for (let x = a; x < a1; x++) take(x);
    for (let x = b1; x < b; x++) take(x);
    this.blocks(k + 1, a1 / B, b1 / B, out);
  }
}

const markIndexes = new WeakMap(); // a goroutine's marks → where each of its kinds stands

// marksIndex is where in marks (a goroutine's, which only grows at its end) its atomic marks,
// its prints and the rest stand, brought up to date.
function marksIndex(marks) {
  let ix = markIndexes.get(marks);
  if (!ix) markIndexes.set(marks, (ix = { n: 0, lists: [[], [], []] }));
  for (; ix.n < marks.length; ix.n++) {
    const kind = marks[ix.n].kind;
    ix.lists[kind === 'atomic' ? 0 : kind === 'print' ? 1 : 2].push(ix.n);
  }
  return ix.lists;
}

/**
 * walkMarks calls visit(i) for the marks [from, to) of a goroutine, in order, that may show:
 * every mark that is neither an atomic operation nor a print, and those of the two that
 * shows(mark) says would (it must turn from false to true along each kind's, as the walk
 * goes on: a mark too near the last one shown). The small marks hidden under others are
 * skipped without being looked at. visit returns false to stop.
 */
export function walkMarks(marks, from, to, shows, visit) {
  const lists = marksIndex(marks);
  const at = [0, 0, 0];
  for (let i = from; ; i++) {
    let next = Infinity;
    for (let k = 0; k < 3; k++) {
      const list = lists[k];
      at[k] = nextIn(list, at[k], list.length, (p) => p >= i && (k === 2 || shows(marks[p])));
      if (at[k] < list.length && list[at[k]] < next) next = list[at[k]];
    }
    if (next >= to) return;
    i = next;
    if (visit(i) === false) return;
  }
}

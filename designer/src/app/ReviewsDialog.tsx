// The review inbox: the open reviews (gate.human steps waiting for people) with their samples and rubric; a decision
// (scores 1 to 5 per criterion, a comment, approve or reject) goes to the server, which continues the run.
import { useEffect, useState } from 'react';
import { runs, type Review } from '../api/client';
import { Modal } from './Dialogs';

export function ReviewsDialog({ open, onClose, onDecided, onError }: { open: boolean; onClose(): void; onDecided(review: Review): void; onError(e: unknown): void }) {
  const [reviews, setReviews] = useState<Review[] | null>(null);
  useEffect(() => {
    if (!open) return;
    setReviews(null);
    runs.reviews().then(setReviews, onError);
  }, [open, onError]);

  return (
    <Modal open={open} onClose={onClose} label="Open reviews">
      <h2>Open reviews</h2>
      {reviews === null ? <p className="muted">Reading…</p> : reviews.length === 0 ? <p className="muted">No review is waiting.</p> : (
        reviews.map((r) => <ReviewForm key={r.id} review={r} onError={onError} onDecided={(decided) => {
          setReviews((list) => list?.filter((x) => x.id !== decided.id) ?? null);
          onDecided(decided);
        }} />)
      )}
      <form method="dialog"><button type="submit">Close</button></form>
    </Modal>
  );
}

function ReviewForm({ review, onDecided, onError }: { review: Review; onDecided(r: Review): void; onError(e: unknown): void }) {
  const [scores, setScores] = useState<Record<string, number>>({});
  const [comment, setComment] = useState('');
  const decide = (decision: 'approve' | 'reject') => runs.decide(review.id, decision, scores, comment).then(onDecided, onError);
  return (
    <section className="review" aria-label={`Review ${review.title}`}>
      <h3>{review.title} <span className="muted">run {review.runId}, step {review.step}</span></h3>
      {review.instructions && <p>{review.instructions}</p>}
      <table>
        <thead><tr><th scope="col">Input</th><th scope="col">Output</th><th scope="col">Reference</th></tr></thead>
        <tbody>
          {review.samples.map((s, i) => (
            <tr key={i}><td>{text(s.input)}</td><td>{text(s.output)}</td><td>{text(s.reference)}</td></tr>
          ))}
        </tbody>
      </table>
      <fieldset>
        <legend>Rubric (1 poor to 5 excellent)</legend>
        {review.rubric.map((c) => (
          <label key={c.name} className="field">
            <span>{c.name}</span>
            <select value={scores[c.name] ?? ''} onChange={(e) => setScores({ ...scores, [c.name]: Number(e.target.value) })}>
              <option value="">not scored</option>
              {[1, 2, 3, 4, 5].map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
            <span className="help">{c.description}</span>
          </label>
        ))}
      </fieldset>
      <label className="field"><span>Comment</span><input value={comment} onChange={(e) => setComment(e.target.value)} /></label>
      <div className="buttons">
        <button type="button" onClick={() => void decide('approve')}>Approve</button>
        <button type="button" onClick={() => void decide('reject')}>Reject</button>
      </div>
    </section>
  );
}

const text = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The task file `batchprompt task init --outputs` writes: several questions per item, each key
 * explained where it stands.
 */
export const outputsTaskTemplate = `# A batchprompt task that asks several questions about each row in one prompt, so each row's
# text is sent once for all of them. Check it with \`batchprompt task check task.yaml\`, then use
# it with \`--task task.yaml\`. The README's "Several questions per item" section has the details.

# A short name, shown in summaries and reports.
name: support-tickets

# What the model must do for each item, in plain words. batchprompt adds the questions, their
# answers and the reply format itself.
instruction: >-
  Read the support ticket and answer each question about it.

# The columns of your data that the model sees, in this order (--map field=column for others).
fields:
  - subject
  - name: body
    description: the ticket as the customer wrote it

# The questions, each with a name (its key in replies and its column in the results, and the
# data column its gold answers are read from), an optional description for the model, and its
# own answers: labels, number or text, as a one-question task's \`answer:\`.
outputs:
  - name: topic
    description: the team that should handle the ticket
    answer:
      type: labels
      labels: [billing, technical, account]
  - name: urgency
    answer:
      type: labels
      labels: [low, normal, high]
  # A multi-choice output: the answer is a set of its labels (\`none\` for the empty set), of
  # \`min\` to \`max\` labels (default 1 to all).
  - name: mentions
    description: everything on this list that the ticket mentions
    answer:
      type: labels
      multiple: true
      min: 0
      labels: [refund, deadline, callback]

# Worked examples shown before every batch, with an answer for every output (a list for a
# multi-choice one). Never rows of the data being answered.
examples:
  - fields:
      subject: Charged twice
      body: The monthly fee was taken twice. Please refund one before Friday.
    answers:
      topic: billing
      urgency: normal
      mentions: [refund, deadline]
`;

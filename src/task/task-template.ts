/**
 * The task file `batchprompt task init` writes: a working example of every key, each explained
 * where it stands, so that editing it is the way to learn the format.
 */
export const taskTemplate = `# A batchprompt task: what to ask about each row of your data, and which answers count.
# Check it with \`batchprompt task check task.yaml\`, then use it with \`--task task.yaml\`.
# The README's "Task files" section describes every key.

# A short name, shown in summaries and reports.
name: support-tickets

# What the model must do for each item, in plain words. batchprompt adds the list of labels
# and the reply format itself.
instruction: >-
  Read the support ticket and say which team should handle it.

# The columns of your data that the model sees, in this order. A column your file names
# otherwise is given with --map field=column. A field may carry a description for the model:
#   - name: body
#     description: the ticket's text as the customer wrote it
fields:
  - subject
  - body

# The answers: \`type: labels\` (one of a fixed set), \`type: number\` or \`type: text\`.
# For numbers, in place of \`type: labels\` and its labels:
#   type: number
#   integer: true    # whole numbers only
#   tolerance: 0.01  # how far from the gold number an answer may be and still be right
# For a few words of text:
#   type: text
#   maxWords: 8
answer:
  type: labels
  labels:
    - value: billing
      description: payments, invoices, refunds
      aliases: [payment, invoice] # other spellings that mean this label
    - value: account
      description: signing in, passwords, the profile
    - other # a label needs no more than its value

# Worked examples, shown before every batch (never rows of the data being answered). An
# example with \`confident: false\` shows the model how to mark an answer unsure.
examples:
  - fields:
      subject: Charged twice
      body: My card was charged two times for the March invoice.
    answer: billing
  - fields:
      subject: Cannot sign in
      body: The password reset link says it has expired.
    answer: account

# The column of your data that holds the right answer, where there is one (as --label-field).
# goldField: team

# Ask for a short worked solution before each answer; every example then needs a
# \`reasoning:\` string. Costs output tokens.
# reasoning: false
`;

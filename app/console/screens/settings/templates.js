// E-mail templates (system/email_template): invitations, password resets,
// registrations; {placeholders} are filled when a message is sent.

export const templates = {
  tab: "templates",
  path: "system/email_template",
  title: "E-mail templates",
  noun: "e-mail template",
  order: "name",
  hint: "Placeholders such as {first_name}, {link} and {confirm_code} are filled in when a message is sent.",
  emptyText: "No e-mail templates. Add one for invitations or password resets.",
  blank: {},
  columns: [
    { label: "Name", value: (r) => r.name },
    { label: "Subject", value: (r) => r.subject || "" },
    { label: "Description", value: (r) => r.description || "" },
  ],
  async fields() {
    return [
      { name: "name", label: "Name", kind: "text", required: true },
      { name: "description", label: "Description", kind: "text" },
      { name: "subject", label: "Subject", kind: "text" },
      { name: "to", label: "To", kind: "text" },
      { name: "cc", label: "Cc", kind: "text" },
      { name: "bcc", label: "Bcc", kind: "text" },
      { name: "from_name", label: "From name", kind: "text" },
      { name: "from_email", label: "From e-mail", kind: "text" },
      { name: "reply_to_name", label: "Reply-to name", kind: "text" },
      { name: "reply_to_email", label: "Reply-to e-mail", kind: "text" },
      { name: "body_text", label: "Body (text)", kind: "textarea", rows: 6 },
      { name: "body_html", label: "Body (HTML)", kind: "textarea", rows: 8, code: true },
    ];
  },
};

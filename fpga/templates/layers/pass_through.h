{{#call}}
// {{name}} ({{type}}): no hardware, the same array
{{/call}}

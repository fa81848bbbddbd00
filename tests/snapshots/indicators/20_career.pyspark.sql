-- destinations:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t5`.`n1`,
    `t5`.`d1`,
    `t5`.`n2`,
    `t5`.`c2`,
    `t5`.`n3`,
    `t5`.`d3`,
    `t5`.`n4`,
    `t5`.`d4`,
    `t5`.`n5`,
    `t5`.`d5`,
    `t5`.`n6`,
    `t5`.`d6`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`grade`,
      SUM(IF((
        `t3`.`grade` = 11
      ) AND (
        `t3`.`destination` = 'college'
      ), 1, 0)) AS `n0`,
      SUM(IF(`t3`.`grade` = 11, 1, 0)) AS `d0`,
      SUM(IF((
        `t3`.`grade` = 11
      ) AND (
        `t3`.`destination` = 'university'
      ), 1, 0)) AS `n1`,
      SUM(IF(`t3`.`grade` = 11, 1, 0)) AS `d1`,
      SUM(IF(`t3`.`grade` IN (9, 11), 1, 0)) AS `n2`,
      SUM(IF(`t3`.`grade` IN (9, 11), 1, 0)) AS `c2`,
      SUM(IF((
        `t3`.`grade` = 9
      ) AND (
        `t3`.`destination` = 'college'
      ), 1, 0)) AS `n3`,
      SUM(IF(`t3`.`grade` = 9, 1, 0)) AS `d3`,
      SUM(IF((
        `t3`.`grade` = 9
      ) AND (
        `t3`.`destination` = 'school'
      ), 1, 0)) AS `n4`,
      SUM(IF(`t3`.`grade` = 9, 1, 0)) AS `d4`,
      SUM(
        IF(
          `t3`.`grade` IN (9, 11)
          AND `t3`.`destination` IN ('college', 'university')
          AND (
            `t3`.`is_target` = TRUE
          ),
          1,
          0
        )
      ) AS `n5`,
      SUM(
        IF(`t3`.`grade` IN (9, 11) AND `t3`.`destination` IN ('college', 'university'), 1, 0)
      ) AS `d5`,
      SUM(IF(`t3`.`grade` IN (9, 11) AND (
        `t3`.`destination` = 'none'
      ), 1, 0)) AS `n6`,
      SUM(IF(`t3`.`grade` IN (9, 11), 1, 0)) AS `d6`
    FROM (
      SELECT
        *
      FROM `destinations` AS `t1`
      WHERE
        `t1`.`procedure` IN ('DESTINATIONS')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;
